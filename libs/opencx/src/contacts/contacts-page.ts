import {
  CONTACT_ID_PATTERN,
  CURSOR_PATTERN,
  type OpenCxContact,
  type OpenCxContactPage,
} from '../dto/opencx-contact.js';
import { OpenCxInvalidResponseError } from '../errors/opencx.errors.js';
import { isIsoTime } from '../util/iso-time.js';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** What is wrong with one listed contact (by field name, never its value), or its typed copy. */
function contactOf(item: unknown): OpenCxContact | string {
  if (!isRecord(item)) return 'is not an object';
  const { id, email, phone_number, name, custom_data, created_at, updated_at } = item;
  if (typeof id !== 'string' || !CONTACT_ID_PATTERN.test(id)) return 'id is not a UUID';
  const text = { email, phone_number, name };
  for (const [field, value] of Object.entries(text)) {
    if (value !== undefined && value !== null && typeof value !== 'string') return `${field} is not a string or null`;
  }
  if (custom_data !== undefined && custom_data !== null && !isRecord(custom_data)) {
    return 'custom_data is not an object or null';
  }
  for (const [field, value] of Object.entries({ created_at, updated_at })) {
    // OpenCX documents the times as ISO 8601 date-times: "1" or "March 7" is no page of its.
    if (typeof value !== 'string' || !isIsoTime(value, 'date-time')) return `${field} is not an ISO 8601 date-time`;
  }
  // Only the documented fields, absent ones as null (OpenCX documents them as nullable).
  return {
    id,
    email: (email as string | null | undefined) ?? null,
    phone_number: (phone_number as string | null | undefined) ?? null,
    name: (name as string | null | undefined) ?? null,
    custom_data: custom_data ?? null,
    created_at: created_at as string,
    updated_at: updated_at as string,
  };
}

/**
 * Reads a `GET /contacts` answer, `{ items, next }`, checking the whole page before anything of it
 * is used: one malformed contact, or a `next` that could not be sent back, makes the page an
 * OpenCxInvalidResponseError, never a half-typed item.
 */
export function parseContactsPage(status: number, text: string): OpenCxContactPage {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new OpenCxInvalidResponseError(status, 'not JSON');
  }
  if (!isRecord(body) || !Array.isArray(body.items)) {
    throw new OpenCxInvalidResponseError(status, 'not an object with an items list');
  }
  const { next } = body;
  if (next !== null && (typeof next !== 'string' || !CURSOR_PATTERN.test(next))) {
    throw new OpenCxInvalidResponseError(status, 'next is neither null nor a cursor');
  }
  const items: OpenCxContact[] = [];
  for (const [index, item] of body.items.entries()) {
    const contact = contactOf(item);
    if (typeof contact === 'string') throw new OpenCxInvalidResponseError(status, `items[${index}] ${contact}`);
    items.push(contact);
  }
  return { items, next };
}
