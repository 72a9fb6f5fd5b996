import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsHeaderRecord,
  IsOptionalField,
  IsScalarRecord,
  KeepRaw,
  type ScalarRecordLimits,
} from './opencx.validators.js';

const OVERRIDE_LIMITS: ScalarRecordLimits = { maxKeys: 50, maxKeyLength: 256, maxValueLength: 4096 };
const SCALAR_MAP = {
  type: 'object' as const,
  additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
};

/**
 * `http_action_overrides`: parameters OpenCX uses when it executes HTTP actions for this user.
 * Each map is flat (string, number or boolean values, at most 50 keys).
 */
export class HttpActionOverridesDto {
  @ApiPropertyOptional({
    ...SCALAR_MAP,
    description: 'Query-string parameters to override.',
    example: { region: 'eu' },
  })
  @IsOptionalField()
  @KeepRaw()
  @IsScalarRecord(OVERRIDE_LIMITS)
  query_params?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({ ...SCALAR_MAP, description: 'Path parameters to override.', example: { accountId: 'acc_42' } })
  @IsOptionalField()
  @KeepRaw()
  @IsScalarRecord(OVERRIDE_LIMITS)
  path_params?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({ ...SCALAR_MAP, description: 'Body parameters to override.', example: { plan: 'pro' } })
  @IsOptionalField()
  @KeepRaw()
  @IsScalarRecord(OVERRIDE_LIMITS)
  body_params?: Record<string, string | number | boolean>;

  @ApiPropertyOptional({
    ...SCALAR_MAP,
    description:
      'Headers to override. OpenCX sends them to your own APIs, so they may carry secrets: ' +
      'nestjs-opencx never logs them. Names must be valid header names; values must not contain CR or LF.',
    example: { 'X-Customer-Tier': 'gold' },
  })
  @IsOptionalField()
  @KeepRaw()
  @IsHeaderRecord(OVERRIDE_LIMITS)
  headers?: Record<string, string | number | boolean>;
}
