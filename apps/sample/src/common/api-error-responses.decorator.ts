import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from 'nestjs-opencx';

const RESPONSES: Array<[number, string]> = [
  [400, 'The body broke a validation rule; `fields` names each bad field'],
  [401, 'Missing or invalid credentials'],
  [413, 'The body is larger than the configured limit'],
  [429, 'Too many requests for this caller; see Retry-After'],
  [502, 'OpenCX failed or refused this service; nothing the caller can fix'],
  [503, 'OpenCX is rate limiting this service; see Retry-After'],
  [504, 'OpenCX did not answer in time'],
];

/** Documents every error answer an OpenCX-backed endpoint can give, each with its body schema. */
export function ApiOpenCxErrorResponses(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...RESPONSES.map(([status, description]) => ApiResponse({ status, description, type: ErrorResponseDto })),
  );
}
