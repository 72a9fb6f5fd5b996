import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../dto/error-response.dto.js';

/** The answers the library's errors give through any filter, each with a description and an example of its own. */
const RESPONSES: ReadonlyArray<readonly [number, string, string | string[], object?]> = [
  [
    400,
    'The body broke a validation rule; `fields` names each bad field',
    ['email must be an email'],
    { fields: [{ field: 'email', messages: ['email must be an email'] }] },
  ],
  [502, 'OpenCX failed or refused this service; nothing the caller can fix', 'OpenCX is unavailable'],
  [
    503,
    'OpenCX is rate limiting this service; see Retry-After',
    'OpenCX is rate limiting this service; retry later',
    { retryAfter: 60 },
  ],
  [504, 'OpenCX did not answer in time', 'OpenCX did not answer in time'],
];

/** An error answer of your own endpoint, documented with the same body schema. */
export interface OpenCxErrorResponseDoc {
  status: number;
  description: string;
  /** The example's `message`. */
  message: string;
}

/**
 * Documents, in one line, the error answers of an endpoint that calls `ContactAuthService`:
 * 400 (validation, with `fields`), 502, 503 (with `retryAfter` and `Retry-After`) and 504, each with the library's
 * error body schema (NestJS's `{ statusCode, message, error }`) and an example; `also` adds your
 * endpoint's own error answers (401 from a guard, 429 from a throttler) with the same schema.
 *
 * @example
 * @Post('chat-token') @ApiOpenCxErrorResponses([{ status: 401, description: 'Not signed in', message: 'Unauthorized' }])
 * issue(@Body() body: AuthenticateUserDto) { return this.contactAuth.authenticateUser(body); }
 */
export function ApiOpenCxErrorResponses(
  also: readonly OpenCxErrorResponseDoc[] = [],
): MethodDecorator & ClassDecorator {
  const own = also.map(({ status, description, message }) => [status, description, message] as const);
  return applyDecorators(
    ...[...RESPONSES, ...own].map(
      ([status, description, message, extra]: readonly [number, string, string | string[], object?]) =>
        ApiResponse({
          status,
          description,
          type: ErrorResponseDto,
          example: { statusCode: status, message, error: STATUS_CODES[status], ...extra },
        }),
    ),
  );
}
