import { PickType } from '@nestjs/swagger';
import { AuthenticateUserDto } from 'nestjs-opencx';

/**
 * What a signed-in end user may choose: only non-identity, non-trusted fields. `email` and `name`
 * come from the verified JWT; `customData` and `http_action_overrides` are trusted by OpenCX, so
 * only the backend may set them. Any other field is refused with a 400 naming it.
 */
export class OpenCxTokenRequestDto extends PickType(AuthenticateUserDto, ['language', 'chat_context'] as const) {}
