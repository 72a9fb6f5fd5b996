import { readFileSync } from 'node:fs';
import { AUTHENTICATE_USER_LIMITS } from './authenticate-user.limits.js';

/** The docs' input table: one row per field, as the configuration reference writes it. */
const reference =
  readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8').split('## Input')[1] ?? '';
const rowOf = (field: string): string => reference.split('\n').find((line) => line.startsWith(`| \`${field}\``)) ?? '';

describe('the limits, one source for the DTOs, the validator and the docs', () => {
  it.each([
    ['email', AUTHENTICATE_USER_LIMITS.emailLength],
    ['name', AUTHENTICATE_USER_LIMITS.nameLength],
    ['avatar_url', AUTHENTICATE_USER_LIMITS.avatarUrlLength],
    ['chat_context', AUTHENTICATE_USER_LIMITS.chatContextLength],
    ['customData', AUTHENTICATE_USER_LIMITS.customDataBytes],
    ['customData', AUTHENTICATE_USER_LIMITS.customDataDepth],
    ['phone', AUTHENTICATE_USER_LIMITS.phoneDigitsMax],
    ['phone', AUTHENTICATE_USER_LIMITS.phoneLength],
    ['http_action_overrides', AUTHENTICATE_USER_LIMITS.overrideKeys],
    ['http_action_overrides', AUTHENTICATE_USER_LIMITS.overrideValueLength],
    ['http_action_overrides', AUTHENTICATE_USER_LIMITS.bodyParamsBytes],
    ['mcp_access', AUTHENTICATE_USER_LIMITS.mcpServerIds],
    ['mcp_access', AUTHENTICATE_USER_LIMITS.mcpIdLength],
  ])('docs/configuration.md gives %s its bound %i', (field, bound) => {
    expect(rowOf(field).replaceAll(',', '')).toMatch(new RegExp(`\\b${bound}\\b`));
  });
});
