import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, MaxLength, MinLength } from 'class-validator';
import type { McpAccessInput } from '../interfaces/authenticate-user-input.interface.js';
import { AUTHENTICATE_USER_LIMITS } from './authenticate-user.limits.js';
import { IsDenseArray, IsOptionalField } from './opencx.validators.js';

/**
 * `mcp_access` (OpenCX widget 5): which of the organisation's per-user MCP servers the contact's
 * AI agent may use. Omitted: chat only. `{}`: every enabled per-user server. `server_ids: []`:
 * none. A token issued with it expires after one hour (OpenCX says chat-only tokens keep a
 * "non-expiring behavior").
 */
export class McpAccessDto implements McpAccessInput {
  @ApiPropertyOptional({
    description:
      'The per-user MCP servers allowed, by id; omitted: every enabled one; empty: none. ' +
      `(This library's bounds: at most ${AUTHENTICATE_USER_LIMITS.mcpServerIds} ids of at most ` +
      `${AUTHENTICATE_USER_LIMITS.mcpIdLength} characters.)`,
    type: [String],
    example: ['crm'],
  })
  @IsOptionalField()
  @IsArray({ message: 'mcp_access.server_ids must be an array of strings' })
  @ArrayMaxSize(AUTHENTICATE_USER_LIMITS.mcpServerIds)
  @IsDenseArray()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(AUTHENTICATE_USER_LIMITS.mcpIdLength, { each: true })
  server_ids?: string[];

  @ApiPropertyOptional({
    description:
      "The account the MCP servers act for, when one email has several accounts (pair it with the widget's " +
      '`externalId` for that account).',
    example: 'acct_42',
    maxLength: AUTHENTICATE_USER_LIMITS.mcpIdLength,
  })
  @IsOptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(AUTHENTICATE_USER_LIMITS.mcpIdLength)
  account_id?: string;
}
