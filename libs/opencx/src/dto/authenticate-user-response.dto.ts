import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { tokenExpiry } from '../util/token-expiry.js';

/** The contact OpenCX verified (`contact` in the answer). */
export class OpenCxContactDto {
  @ApiProperty({
    description:
      "The OpenCX contact's id, a UUID. Assumed to stay the same for an email within an organisation: no " +
      'OpenCX source says so. Pass it to `updateContact` or `deleteContact` to change or delete the contact at ' +
      "OpenCX. It is not the widget's `externalId`: that optional value scopes a user's sessions by workspace, " +
      'and changing it hides the sessions tagged before.',
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
    description: "The verified contact: OpenCX's current reference shows it; older renders showed only `token`.",
    type: () => OpenCxContactDto,
  })
  contact?: OpenCxContactDto;

  @ApiProperty({
    description:
      'When the token expires: its `exp` claim as an ISO 8601 time, or null when the token carries none. ' +
      'Tokens issued with `mcp_access` expire after one hour. OpenCX says chat-only tokens keep a ' +
      '"non-expiring behavior" without saying whether they carry an `exp`: expect null or a far-off time. ' +
      'The widget does not ask for a new token itself: the page does, before this time, or once the widget ' +
      'is refused with 401.',
    type: String,
    format: 'date-time',
    nullable: true,
    example: null,
  })
  expiresAt!: string | null;

  /** The answer for `token` (and `contactId`), with `expiresAt` read from the token. */
  static of(token: string, contactId?: string): AuthenticateUserResponseDto {
    const result = new AuthenticateUserResponseDto();
    result.token = token;
    if (contactId !== undefined) result.contact = Object.assign(new OpenCxContactDto(), { id: contactId });
    const expiry = tokenExpiry(token);
    result.expiresAt = expiry === undefined ? null : new Date(expiry).toISOString();
    return result;
  }
}
