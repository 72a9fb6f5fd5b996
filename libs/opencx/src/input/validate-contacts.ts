import { CONTACT_ID_PATTERN } from '../dto/opencx-contact.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';

// The input of the contacts endpoints.

function invalid(field: string, message: string): OpenCxValidationError {
  return new OpenCxValidationError([{ field, messages: [message] }]);
}

/**
 * The contact id of `deleteContact`: a UUID, sent in lower case (UUIDs are case-blind on input,
 * RFC 9562). Anything else (`.`, `..`, a slash, a percent sign, spaces) is not an id, and is
 * refused before anything is sent.
 */
export function contactIdOf(value: unknown): string {
  if (typeof value !== 'string' || !CONTACT_ID_PATTERN.test(value)) {
    throw invalid('contactId', 'contactId must be a contact id (a UUID, as OpenCX issues them)');
  }
  return value.toLowerCase();
}
