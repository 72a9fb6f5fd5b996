import { validateSync } from 'class-validator';
import { CONTACT_ID_PATTERN } from '../dto/opencx-contact.js';
import { isPlainObject } from '../dto/opencx.validators.js';
import { UpdateContactDto } from '../dto/update-contact.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { snapshot } from './snapshot.js';
import { toInstance, VALIDATION_OPTIONS } from './validate-input.js';

// The input of the contacts endpoints: a contact id, a contact's changes.

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
