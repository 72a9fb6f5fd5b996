import { types } from 'node:util';
import { validateSync } from 'class-validator';
import { CONTACT_ID_PATTERN, CURSOR_PATTERN } from '../dto/opencx-contact.js';
import { isPlainObject } from '../dto/opencx.validators.js';
import { UpdateContactDto } from '../dto/update-contact.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { isIsoTime } from '../util/iso-time.js';
import { snapshot } from './snapshot.js';
import { toInstance, VALIDATION_OPTIONS } from './validate-input.js';

// The input of the contacts endpoints: a contact id, a contact's changes, a list's filter and cursor.

/** The list's filters, by the names callers use, and the query parameters OpenCX reads them as. */
export const CONTACT_FILTERS = {
  createdAfter: 'created_after',
  createdBefore: 'created_before',
  updatedAfter: 'updated_after',
  updatedBefore: 'updated_before',
} as const;

/** A list's query once checked: each bound an ISO 8601 string, and the cursor when there is one. */
export type CheckedContactQuery = { [name in keyof typeof CONTACT_FILTERS | 'cursor']?: string };

/** A caller's key in an error, cut short: a key can be as long as the caller likes. */
const MAX_KEY_SHOWN = 100;

function invalid(field: string, message: string): OpenCxValidationError {
  return new OpenCxValidationError([{ field, messages: [message] }]);
}

/**
 * The contact id of `updateContact` and `deleteContact`: a UUID, sent in lower case (UUIDs are
 * case-blind on input, RFC 9562). Anything else (`.`, `..`, a slash, a percent sign, spaces) is not
 * an id, and is refused before anything is sent.
 */
export function contactIdOf(value: unknown): string {
  if (typeof value !== 'string' || !CONTACT_ID_PATTERN.test(value)) {
    throw invalid('contactId', 'contactId must be a contact id (a UUID, as OpenCX issues them)');
  }
  return value.toLowerCase();
}

/**
 * One plain-data copy of `updateContact`'s changes (each getter read once), validated against
 * {@link UpdateContactDto}: unknown fields and `null` are errors, and at least one field is set.
 */
export function validateUpdateContact(changes: unknown): UpdateContactDto {
  const { input } = snapshot(changes, undefined);
  if (!isPlainObject(input)) throw invalid('(body)', 'the changes must be an object');
  const dto = toInstance(new UpdateContactDto(), input, '');
  const errors = validateSync(dto, VALIDATION_OPTIONS);
  if (errors.length > 0) throw OpenCxValidationError.fromValidationErrors(errors);
  if (!Object.values(dto).some((value) => value !== undefined)) {
    throw invalid('(body)', 'set at least one of email, phone, name, custom_data');
  }
  return dto;
}

/** A filter's bound as OpenCX takes it: a valid `Date` (of any realm) as ISO 8601, an ISO 8601 string as given. */
function bound(name: string, value: unknown): string {
  const time = types.isDate(value) ? Date.prototype.getTime.call(value) : Number.NaN;
  if (!Number.isNaN(time)) return new Date(time).toISOString();
  if (typeof value === 'string' && isIsoTime(value, 'date-only allowed')) return value;
  throw invalid(name, `${name} must be a valid Date or an ISO 8601 string (e.g. 2026-01-31T00:00:00Z)`);
}

/**
 * A list's filter (and, for one page, its cursor) from one plain-data copy of it, each bound as an
 * ISO 8601 string. An unknown key is an error: a misspelt filter must not list everyone.
 */
export function contactQueryOf(query: unknown, withCursor: boolean): CheckedContactQuery {
  if (query === undefined) return {};
  const { input } = snapshot(query, undefined);
  if (!isPlainObject(input)) throw invalid('(filter)', 'the filter must be an object');
  const checked: CheckedContactQuery = {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (Object.hasOwn(CONTACT_FILTERS, key)) {
      checked[key as keyof typeof CONTACT_FILTERS] = bound(key, value);
    } else if (withCursor && key === 'cursor') {
      if (typeof value !== 'string' || !CURSOR_PATTERN.test(value)) {
        throw invalid('cursor', "cursor must be a page's next cursor, as listContactsPage returned it");
      }
      checked.cursor = value;
    } else {
      const shown = key.slice(0, MAX_KEY_SHOWN);
      const known = [...Object.keys(CONTACT_FILTERS), ...(withCursor ? ['cursor'] : [])].join(', ');
      throw invalid(shown, `${shown} is not a filter of the contacts list (${known})`);
    }
  }
  return checked;
}
