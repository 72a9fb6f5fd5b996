import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The contact OpenCX verified (`contact` in the answer). */
export class OpenCxContactDto {
  @ApiProperty({ description: "The OpenCX contact's id (stable per email)", example: 'c0ntact-1d' })
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
