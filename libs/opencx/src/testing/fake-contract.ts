import { OPENCX_LANGUAGES } from '../languages.js';

const isObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Why OpenCX would refuse a body with 400, as NestJS's ValidationPipe words it (OpenCX's API is a
 * NestJS app): the language enum and field types its reference implies. Deliberately coarser than
 * the library's own rules, which are stricter in places (lengths, sizes) and say so.
 */
export function bodyProblems(body: unknown, knownFields: ReadonlySet<string>, refuseUnknown: boolean): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['body must be a JSON object'];
  const record = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof record.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(record.email))
    problems.push('email must be an email');
  for (const field of ['name', 'phone', 'chat_context'] as const) {
    if (record[field] !== undefined && typeof record[field] !== 'string') problems.push(`${field} must be a string`);
  }
  if (record.avatar_url !== undefined && record.avatar_url !== null && typeof record.avatar_url !== 'string') {
    problems.push('avatar_url must be a string');
  }
  if (record.language !== undefined && !(OPENCX_LANGUAGES as readonly unknown[]).includes(record.language)) {
    problems.push(`language must be one of the following values: ${OPENCX_LANGUAGES.join(', ')}`);
  }
  for (const field of ['customData', 'http_action_overrides', 'mcp_access'] as const) {
    if (record[field] !== undefined && !isObject(record[field])) problems.push(`${field} must be an object`);
  }
  const mcp = record.mcp_access as { server_ids?: unknown; account_id?: unknown } | undefined;
  if (isObject(mcp)) {
    const ids = mcp?.server_ids;
    if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) {
      problems.push('mcp_access.server_ids must be an array of strings');
    }
    if (mcp?.account_id !== undefined && typeof mcp.account_id !== 'string')
      problems.push('mcp_access.account_id must be a string');
  }
  if (refuseUnknown) {
    for (const key of Object.keys(record)) if (!knownFields.has(key)) problems.push(`property ${key} should not exist`);
  }
  return problems;
}
