import { ApiPropertyOptional } from '@nestjs/swagger';
import type { HttpActionOverridesInput, OpenCxOverrideValue } from '../interfaces/authenticate-user-input.interface.js';
import {
  IsHeaderRecord,
  IsJsonRecord,
  IsOptionalField,
  IsScalarRecord,
  KeepRaw,
  type ScalarRecordLimits,
} from './opencx.validators.js';
import { AUTHENTICATE_USER_LIMITS } from './authenticate-user.limits.js';

const OVERRIDE_LIMITS: ScalarRecordLimits = {
  maxKeys: AUTHENTICATE_USER_LIMITS.overrideKeys,
  maxKeyLength: AUTHENTICATE_USER_LIMITS.overrideKeyLength,
  maxValueLength: AUTHENTICATE_USER_LIMITS.overrideValueLength,
};
/** `body_params` takes any JSON, bounded like `customData`. */
const BODY_PARAMS_LIMITS = {
  maxKeys: AUTHENTICATE_USER_LIMITS.overrideKeys,
  maxBytes: AUTHENTICATE_USER_LIMITS.bodyParamsBytes,
  maxDepth: AUTHENTICATE_USER_LIMITS.bodyParamsDepth,
};
const STRING_MAP = {
  type: 'object' as const,
  additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
};

/**
 * `http_action_overrides`: parameters OpenCX uses when it executes HTTP actions for this user.
 * In OpenCX's own similar DTOs, `headers`, `query_params` and `path_params` values are strings:
 * numbers and booleans are accepted here and sent as strings. `body_params` values are any JSON.
 */
export class HttpActionOverridesDto implements HttpActionOverridesInput {
  @ApiPropertyOptional({
    ...STRING_MAP,
    description: 'Query-string parameters to override (numbers and booleans are sent as strings).',
    example: { region: 'eu' },
  })
  @IsOptionalField()
  @KeepRaw()
  @IsScalarRecord(OVERRIDE_LIMITS)
  query_params?: Record<string, OpenCxOverrideValue>;

  @ApiPropertyOptional({
    ...STRING_MAP,
    description: 'Path parameters to override (numbers and booleans are sent as strings).',
    example: { accountId: 'acc_42' },
  })
  @IsOptionalField()
  @KeepRaw()
  @IsScalarRecord(OVERRIDE_LIMITS)
  path_params?: Record<string, OpenCxOverrideValue>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Body parameters to override: any JSON values ' +
      `(this library's bounds: at most ${AUTHENTICATE_USER_LIMITS.overrideKeys} keys, ` +
      `${AUTHENTICATE_USER_LIMITS.bodyParamsBytes} bytes, ${AUTHENTICATE_USER_LIMITS.bodyParamsDepth} levels).`,
    example: { plan: 'pro', seats: 3, tags: ['vip'] },
  })
  @IsOptionalField()
  @KeepRaw()
  @IsJsonRecord(BODY_PARAMS_LIMITS)
  body_params?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...STRING_MAP,
    description:
      'Headers to override. OpenCX sends them to your own APIs, so they may carry secrets: ' +
      'nestjs-opencx never logs them. Names must be valid header names; values printable ASCII.',
    example: { 'X-Customer-Tier': 'gold' },
  })
  @IsOptionalField()
  @KeepRaw()
  @IsHeaderRecord(OVERRIDE_LIMITS)
  headers?: Record<string, OpenCxOverrideValue>;
}
