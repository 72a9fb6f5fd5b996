import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsString, IsUrl, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import type { AuthenticateUserInput } from '../interfaces/authenticate-user-input.interface.js';
import { OPENCX_LANGUAGES, type OpenCxLanguage } from '../languages.js';
import { HttpActionOverridesDto } from './http-action-overrides.dto.js';
import { AUTHENTICATE_USER_LIMITS } from './authenticate-user.limits.js';
import { McpAccessDto } from './mcp-access.dto.js';
import {
  HasDigits,
  IsJsonObject,
  IsObjectValue,
  IsOpenCxLanguage,
  IsOptionalField,
  KeepRaw,
} from './opencx.validators.js';

// OpenCX asks for the number "including the country code" and shows +1234567890, nothing more:
// a phone number as people write one is taken, with or without the +. ASCII digits and the
// separators people type (space, dash, dot, slash, parentheses), an optional leading + (also as
// "(+44)"), an optional extension (" ext. 23", " x23", "#23", ";ext=23"), beginning and ending with
// a digit, a parenthesis or the +. Letters, line breaks and other scripts' digits cannot be one as
// typed. The digit count is this library's bound.
// No flags, so Swagger's \`pattern\` (which has none) says exactly the same.
const PHONE = /^(?:\+\(?|\(\+?)?\d(?:[\d ()./-]*\d)?(?: ?(?:[eE][xX][tT]\.? ?|[xX]|#)\d{1,7}|;ext=\d{1,7})?$/;

/**
 * The body of `POST /widget/authenticate-user` (`AuthenticateUserPayloadDto` upstream). Property
 * names are the wire names; only the fields you set are sent.
 */
export class AuthenticateUserDto implements AuthenticateUserInput {
  @ApiProperty({
    description: 'The email of the user to authenticate',
    example: 'john.doe@example.com',
    maxLength: AUTHENTICATE_USER_LIMITS.emailLength,
  })
  @IsString()
  @MaxLength(AUTHENTICATE_USER_LIMITS.emailLength)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;

  @ApiPropertyOptional({
    description: 'The name of the user to authenticate',
    example: 'John Doe',
    maxLength: AUTHENTICATE_USER_LIMITS.nameLength,
  })
  @IsOptionalField()
  @IsString()
  @MaxLength(AUTHENTICATE_USER_LIMITS.nameLength)
  name?: string;

  @ApiPropertyOptional({
    description: "The URL of the user's avatar (http or https), or null to clear it",
    example: 'https://example.com/avatar.png',
    type: String,
    nullable: true,
    format: 'uri',
    maxLength: AUTHENTICATE_USER_LIMITS.avatarUrlLength,
  })
  @ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null)
  @IsString()
  @MaxLength(AUTHENTICATE_USER_LIMITS.avatarUrlLength)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'avatar_url must be an http or https URL' },
  )
  avatar_url?: string | null;

  @ApiPropertyOptional({
    description:
      "contact's phone number including the country code, sent as given: ASCII digits, with an optional " +
      'leading + (or "(+44)"), spaces, dashes, dots, slashes or parentheses between them, and an optional ' +
      'extension (" ext. 23", " x23", "#23", ";ext=23"). OpenCX documents no format beyond the country code. ' +
      `(This library's bounds: ${AUTHENTICATE_USER_LIMITS.phoneDigitsMin} to ` +
      `${AUTHENTICATE_USER_LIMITS.phoneDigitsMax} digits, at most ${AUTHENTICATE_USER_LIMITS.phoneLength} characters.)`,
    example: '+1234567890',
    pattern: PHONE.source,
    maxLength: AUTHENTICATE_USER_LIMITS.phoneLength,
  })
  @IsOptionalField()
  @IsString()
  @MaxLength(AUTHENTICATE_USER_LIMITS.phoneLength)
  @Matches(PHONE, {
    message:
      'phone must be a phone number with its country code: digits, an optional leading +, spaces, dashes, dots, ' +
      'slashes or parentheses, and an optional extension',
  })
  @HasDigits(AUTHENTICATE_USER_LIMITS.phoneDigitsMin, AUTHENTICATE_USER_LIMITS.phoneDigitsMax)
  phone?: string;

  @ApiPropertyOptional({
    description: "The user's language",
    enum: OPENCX_LANGUAGES,
    enumName: 'OpenCxLanguage',
    example: 'en',
  })
  @IsOptionalField()
  @IsOpenCxLanguage()
  language?: OpenCxLanguage;

  @ApiPropertyOptional({
    description:
      'Custom data, stored by OpenCX as trusted data about the contact. A plain JSON object ' +
      `(this library's bounds: at most ${AUTHENTICATE_USER_LIMITS.customDataBytes} bytes as JSON, ` +
      `${AUTHENTICATE_USER_LIMITS.customDataDepth} levels deep).`,
    type: 'object',
    additionalProperties: true,
    example: { customKey: 'customValue' },
  })
  @IsOptionalField()
  @KeepRaw()
  @IsJsonObject({
    maxBytes: AUTHENTICATE_USER_LIMITS.customDataBytes,
    maxDepth: AUTHENTICATE_USER_LIMITS.customDataDepth,
  })
  customData?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Optional context to be given to the AI agent when responding to this user.',
    example: 'Premium customer since 2021; prefers short answers.',
    maxLength: AUTHENTICATE_USER_LIMITS.chatContextLength,
  })
  @IsOptionalField()
  @IsString()
  @MaxLength(AUTHENTICATE_USER_LIMITS.chatContextLength)
  chat_context?: string;

  @ApiPropertyOptional({
    description:
      'HTTP parameter overrides to be used when executing actions for this user. Overrides ' +
      'org-level parameters, but is overridden by parameters passed when sending a message.',
    type: () => HttpActionOverridesDto,
  })
  @IsOptionalField()
  @IsObjectValue()
  @ValidateNested()
  @Type(() => HttpActionOverridesDto)
  http_action_overrides?: HttpActionOverridesDto;

  @ApiPropertyOptional({
    description:
      "MCP access for the contact's AI agent (OpenCX widget 5). Omitted: chat only. `{}`: every enabled " +
      'per-user MCP server. `server_ids: []`: none. A token issued with it expires after one hour; OpenCX ' +
      'says chat-only tokens keep a "non-expiring behavior" (see `expiresAt` in the answer).',
    type: () => McpAccessDto,
  })
  @IsOptionalField()
  @IsObjectValue()
  @ValidateNested()
  @Type(() => McpAccessDto)
  mcp_access?: McpAccessDto;
}
