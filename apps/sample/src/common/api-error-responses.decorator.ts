import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from 'nestjs-opencx';

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Each error answer with its own description and an example carrying its own status. */
const RESPONSES: Array<[number, string, string | string[], object?]> = [
  [
    400,
    'The body broke a validation rule; `fields` names each bad field',
    ['email must be a valid email address'],
    { fields: [{ field: 'email', messages: ['email must be a valid email address'] }] },
  ],
  [401, 'Missing or invalid credentials', 'Unauthorized'],
  [413, 'The body is larger than the configured limit', 'The body is larger than allowed'],
  [
    429,
    'Too many requests for this caller, or too many failed authentications; see Retry-After',
    'ThrottlerException: Too Many Requests',
  ],
  [502, 'OpenCX failed or refused this service; nothing the caller can fix', 'OpenCX is unavailable'],
  [503, 'OpenCX is rate limiting this service; see Retry-After', 'OpenCX is rate limiting this service; retry later'],
  [504, 'OpenCX did not answer in time', 'OpenCX did not answer in time'],
];

/** Documents every error answer an OpenCX-backed endpoint can give, each with its body schema and example. */
export function ApiOpenCxErrorResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...RESPONSES.map(([status, description, message, extra]) =>
      ApiResponse({
        status,
        description,
        type: ErrorResponseDto,
        example: { statusCode: status, message, error: REASON[status], ...extra },
      }),
    ),
  );
}
