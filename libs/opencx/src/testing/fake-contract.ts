import { STATUS_CODES } from 'node:http';
import { OPENCX_LANGUAGES } from '../languages.js';

/** A NestJS-style error body (`ErrorDto`); `message` a list for validation, as NestJS's pipe writes it. */
export function errorBody(
  status: number,
  message: string | string[],
): { statusCode: number; message: string | string[]; error: string } {
  return { statusCode: status, message, error: STATUS_CODES[status] ?? 'Error' };
}

const EMAIL = /^[^@\s]+@[^@\s]+$/;

const isObject = (value: unknown): boolean => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Why OpenCX would refuse an authenticate-user body with 400: the language enum and field types
 * its reference implies, worded as NestJS's ValidationPipe words them (OpenCX's documented error
 * body is NestJS's; the wording is assumed). Deliberately coarser than the library's own rules,
 * which are stricter in places (lengths, sizes) and say so.
 */
export function bodyProblems(body: unknown, knownFields: ReadonlySet<string>, refuseUnknown: boolean): string[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['body must be a JSON object'];
  const record = body as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof record.email !== 'string' || !EMAIL.test(record.email)) problems.push('email must be an email');
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

const CONTACT_FIELDS: ReadonlySet<string> = new Set(['email', 'phone', 'name', 'custom_data']);

/**
 * Why OpenCX would refuse a `PATCH /contacts/{id}` body (`{ contact: { email?, phone?, name?,
 * custom_data? } }`), in the same words. An empty `contact` is taken: OpenCX does not say.
 */
export function contactChangesProblems(body: unknown, refuseUnknown: boolean): string[] {
  if (!isObject(body)) return ['body must be a JSON object'];
  const record = body as Record<string, unknown>;
  const problems: string[] = [];
  if (refuseUnknown) {
    for (const key of Object.keys(record)) if (key !== 'contact') problems.push(`property ${key} should not exist`);
  }
  if (!isObject(record.contact)) return [...problems, 'contact must be an object'];
  const contact = record.contact as Record<string, unknown>;
  if (contact.email !== undefined && (typeof contact.email !== 'string' || !EMAIL.test(contact.email)))
    problems.push('contact.email must be an email');
  for (const field of ['phone', 'name'] as const) {
    if (contact[field] !== undefined && typeof contact[field] !== 'string')
      problems.push(`contact.${field} must be a string`);
  }
  if (contact.custom_data !== undefined && !isObject(contact.custom_data))
    problems.push('contact.custom_data must be an object');
  if (refuseUnknown) {
    for (const key of Object.keys(contact))
      if (!CONTACT_FIELDS.has(key)) problems.push(`property contact.${key} should not exist`);
  }
  return problems;
}

/** The query parameters of `GET /contacts`: the cursor and the four time filters. */
export const LIST_PARAMETERS = [
  'cursor',
  'created_after',
  'created_before',
  'updated_after',
  'updated_before',
] as const;

/** An ISO 8601 date, with a time or without. */
const ISO_8601 = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$/;

/** Why OpenCX would refuse a `GET /contacts` query: a filter that is not an ISO 8601 time, a repeated or unknown parameter. */
export function listQueryProblems(query: URLSearchParams, refuseUnknown: boolean): string[] {
  const problems: string[] = [];
  for (const name of new Set(query.keys())) {
    const known = (LIST_PARAMETERS as readonly string[]).includes(name);
    if (!known) {
      if (refuseUnknown) problems.push(`property ${name} should not exist`);
      continue;
    }
    const values = query.getAll(name);
    if (values.length > 1) problems.push(`${name} must be a string`);
    else if (name !== 'cursor' && !(ISO_8601.test(values[0]!) && !Number.isNaN(Date.parse(values[0]!))))
      problems.push(`${name} must be a valid ISO 8601 date string`);
  }
  return problems;
}
