import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ApiOpenCxErrorResponses, ErrorResponseDto } from 'nestjs-opencx';

/** The sample's own answers, beside the library's: its guard, body limit and throttler. */
const RESPONSES: ReadonlyArray<readonly [number, string, string]> = [
  [401, 'Missing or invalid credentials', 'Unauthorized'],
  [413, 'The body is larger than the configured limit', 'The body is larger than allowed'],
  [
    429,
    'Too many requests for this caller, or too many failed authentications; see Retry-After',
    'ThrottlerException: Too Many Requests',
  ],
];

/** Documents every error answer an OpenCX-backed endpoint of the sample can give. */
export function ApiSampleErrorResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiOpenCxErrorResponses(),
    ...RESPONSES.map(([status, description, message]) =>
      ApiResponse({
        status,
        description,
        type: ErrorResponseDto,
        example: { statusCode: status, message, error: STATUS_CODES[status] },
      }),
    ),
  );
}
