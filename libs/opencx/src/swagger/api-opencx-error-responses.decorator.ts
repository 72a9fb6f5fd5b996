import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../dto/error-response.dto.js';

/** The answers `OpenCxExceptionFilter` gives, each with a description and an example of its own. */
const RESPONSES: ReadonlyArray<readonly [number, string, string | string[], object?]> = [
  [
    400,
    'The body broke a validation rule; `fields` names each bad field',
    ['email must be an email'],
    { fields: [{ field: 'email', messages: ['email must be an email'] }] },
  ],
  [502, 'OpenCX failed or refused this service; nothing the caller can fix', 'OpenCX is unavailable'],
  [503, 'OpenCX is rate limiting this service; see Retry-After', 'OpenCX is rate limiting this service; retry later'],
  [504, 'OpenCX did not answer in time', 'OpenCX did not answer in time'],
];

/**
 * Documents, in one line, the error answers of an endpoint that calls `ContactAuthService`:
 * 400 (validation, with `fields`), 502, 503 (with `Retry-After`) and 504, each with the
 * `ErrorResponseDto` schema and an example.
 *
 * @example
 * @Post('chat-token') @ApiOpenCxErrorResponses()
 * issue(@Body() body: AuthenticateUserDto) { return this.contactAuth.authenticateUser(body); }
 */
export function ApiOpenCxErrorResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...RESPONSES.map(([status, description, message, extra]) =>
      ApiResponse({
        status,
        description,
        type: ErrorResponseDto,
        example: { statusCode: status, message, error: STATUS_CODES[status], ...extra },
      }),
    ),
  );
}
