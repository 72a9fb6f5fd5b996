import { ApiPropertyOptional, PartialType, PickType } from '@nestjs/swagger';
import { AUTHENTICATE_USER_LIMITS } from './authenticate-user.limits.js';
import { AuthenticateUserDto } from './authenticate-user.dto.js';
import { IsJsonObject, IsOptionalField, KeepRaw } from './opencx.validators.js';

/**
 * What `updateContact` changes: the `contact` of `PATCH /contacts/{contact_id}`, with OpenCX's
 * names (note `custom_data` here, where authenticate-user says `customData`). Only the fields you
 * set are sent, at least one; `email`, `name` and `phone` follow `AuthenticateUserDto`'s rules (its
 * validation and Swagger metadata are inherited), `custom_data` those of its `customData`. `null`
 * is refused: OpenCX does not document clearing a field.
 */
export class UpdateContactDto extends PartialType(PickType(AuthenticateUserDto, ['email', 'name', 'phone'] as const), {
  // Set, a field is validated even when null; absent, it is not sent.
  skipNullProperties: false,
}) {
  @ApiPropertyOptional({
    description: "The contact's new email",
    example: 'jane.doe@example.com',
    maxLength: AUTHENTICATE_USER_LIMITS.emailLength,
  })
  override email?: string;

  @ApiPropertyOptional({
    description: "The contact's new name",
    example: 'Jane Doe',
    maxLength: AUTHENTICATE_USER_LIMITS.nameLength,
  })
  override name?: string;

  @ApiPropertyOptional({
    description:
      "Custom data about the contact, in place of what OpenCX holds (OpenCX's docs do not say whether it is " +
      "merged; the fake replaces it whole). OpenCX's 2024 schema types its values as strings: prefer flat " +
      `string values. A plain JSON object (this library's bounds: at most ${AUTHENTICATE_USER_LIMITS.customDataBytes} ` +
      `bytes as JSON, ${AUTHENTICATE_USER_LIMITS.customDataDepth} levels deep).`,
    type: 'object',
    additionalProperties: true,
    example: { plan: 'pro' },
  })
  @IsOptionalField()
  @KeepRaw()
  @IsJsonObject({
    maxBytes: AUTHENTICATE_USER_LIMITS.customDataBytes,
    maxDepth: AUTHENTICATE_USER_LIMITS.customDataDepth,
  })
  custom_data?: Record<string, unknown>;
}
