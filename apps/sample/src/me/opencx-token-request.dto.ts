import { ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { AuthenticateUserDto } from 'nestjs-opencx';

/**
 * What a signed-in end user may choose: only non-identity, non-trusted fields. `email` and `name`
 * come from the verified JWT; `customData` and `http_action_overrides` are trusted by OpenCX, so
 * only the backend may set them. Any other field is refused with a 400 naming it.
 */
export class OpenCxTokenRequestDto extends PickType(AuthenticateUserDto, ['language', 'chat_context'] as const) {
  @ApiPropertyOptional({
    description:
      'true after the widget got 401 "Invalid token": a new token from OpenCX, never the cached one it refused',
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  refresh?: boolean;
}
