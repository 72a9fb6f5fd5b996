import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';

const bound = (what: string) => ({
  description: `Contacts ${what} this time (ISO 8601)`,
  format: 'date-time',
  example: '2026-01-31T00:00:00Z',
});

/**
 * The query of `GET /v1/contacts`: OpenCX's own parameter names (`GET /contacts`). Send the same
 * filter again with each `cursor`.
 */
export class ListContactsQueryDto {
  @ApiPropertyOptional({ description: 'The `next` of the previous page; leave it out for the first page' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  cursor?: string;

  @ApiPropertyOptional(bound('created after'))
  @IsOptional()
  @IsISO8601({ strict: true })
  created_after?: string;

  @ApiPropertyOptional(bound('created before'))
  @IsOptional()
  @IsISO8601({ strict: true })
  created_before?: string;

  @ApiPropertyOptional(bound('last updated after'))
  @IsOptional()
  @IsISO8601({ strict: true })
  updated_after?: string;

  @ApiPropertyOptional(bound('last updated before'))
  @IsOptional()
  @IsISO8601({ strict: true })
  updated_before?: string;
}
