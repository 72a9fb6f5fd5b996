import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The contact OpenCX verified (`contact` in the answer). */
export class OpenCxContactDto {
  @ApiProperty({
    description:
      "The OpenCX contact's id: a UUID, stable per email in an organisation. Pass it to the widget as `externalId`.",
    example: '3f2b8c1e-6d4a-4b7e-9c2f-1a5e7d9b0c34',
    format: 'uuid',
  })
  id!: string;
}

/** The answer of `POST /widget/authenticate-user` (`VerifiedWidgetContactTokenResponseDto` upstream). */
export class AuthenticateUserResponseDto {
  @ApiProperty({
    description: 'The JWT token to use for further requests: pass it to the chat widget as `user.token`',
    example: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.signature',
  })
  token!: string;

  @ApiPropertyOptional({
    description: 'The verified contact. Current OpenCX always sends it; older renders of the API showed only `token`.',
    type: () => OpenCxContactDto,
  })
  contact?: OpenCxContactDto;
}
