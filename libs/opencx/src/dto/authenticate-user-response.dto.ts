import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { tokenExpiry } from '../util/token-expiry.js';

/** The contact OpenCX verified (`contact` in the answer). */
export class OpenCxContactDto {
  @ApiProperty({
    description:
      "The OpenCX contact's id: a UUID (the same for an email across calls: assumed, OpenCX does not say). Keep " +
      "it to update or delete the contact (`updateContact`, `deleteContact`). It is not the widget's `externalId`: " +
      "that optional value scopes a user's sessions by " +
      'workspace, and changing it hides the sessions tagged before.',
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

  @ApiProperty({
    description:
      'When the token expires (ISO 8601, from its `exp` claim), or null when it has no `exp`. Tokens issued ' +
      'with `mcp_access` last an hour; OpenCX says chat-only ones keep a "non-expiring behavior" (null here, or ' +
      'a far-off time). The widget does not renew a token the page gave it: ask for a new one before this ' +
      'time, and after a 401.',
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
