import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One bad field in a 400 answer. */
export class FieldErrorDto {
  @ApiProperty({ description: 'The field, by its dotted path in the request body', example: 'email' })
  field!: string;

  @ApiProperty({
    description: 'What is wrong with it',
    example: ['email must be a valid email address'],
    type: [String],
  })
  messages!: string[];
}

/** The body of every error answer (NestJS's default shape), as the library's errors give it (`getResponse()`). */
export class ErrorResponseDto {
  @ApiProperty({ description: 'The HTTP status', example: 502 })
  statusCode!: number;

  @ApiProperty({
    description: 'A safe, human-readable message (or list of messages): never a secret or the upstream body',
    example: 'OpenCX is unavailable',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  })
  message!: string | string[];

  @ApiProperty({ description: 'The HTTP reason phrase', example: 'Bad Gateway' })
  error!: string;

  @ApiPropertyOptional({ description: 'The bad fields, on a 400 from input validation', type: () => [FieldErrorDto] })
  fields?: FieldErrorDto[];

  @ApiPropertyOptional({ description: 'Seconds to wait before retrying, on a 503 (as Retry-After says)', example: 60 })
  retryAfter?: number;
}
