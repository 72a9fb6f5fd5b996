import type { TokenRequest } from './cache/cached-call.js';
import type { OpenCxRequest } from './call/opencx-request.js';
import { OpenCxValidationError } from './errors/opencx.errors.js';
import { stringsIn } from './errors/scrub.js';
import { parseAuthenticateUserResponse } from './http/response-body.js';
import { snapshot } from './input/snapshot.js';
import { validateAuthenticateUser, validateExtraFields, wireBody } from './input/validate-input.js';
import { AUTHENTICATE_USER_PATH } from './opencx.constants.js';

// One function per operation: it checks the operation's input and describes the one HTTP request
// the call sends (the attempt runner sends it, with retries). A new operation is one more here.

/** A contact id as OpenCX issues them (UUIDs): printable, no spaces, bounded. */
const CONTACT_ID = /^[\x21-\x7e]{1,128}$/;

/** `POST /widget/authenticate-user` with one validated plain-data copy of the input. */
export function authenticateUserRequest(input: unknown, extraFields: unknown): TokenRequest {
  // One plain-data copy, read once: a getter cannot pass validation with one value and send another.
  const copy = snapshot(input, extraFields);
  const dto = validateAuthenticateUser(copy.input);
  const extra = validateExtraFields(copy.extraFields);
  return {
    method: 'POST',
    path: AUTHENTICATE_USER_PATH,
    body: wireBody(dto, extra),
    email: dto.email,
    parse: parseAuthenticateUserResponse,
    // Assumed safe to repeat (an upsert keyed by the email), unless retryPostAfterTimeout is false.
    idempotent: false,
    secrets: () => stringsIn([dto, extra]),
  };
}

/** `DELETE /contacts/{contact_id}`; OpenCX answers with no body. */
export function deleteContactRequest(contactId: unknown): OpenCxRequest<true> {
  if (typeof contactId !== 'string' || !CONTACT_ID.test(contactId)) {
    throw new OpenCxValidationError([
      { field: 'contactId', messages: ['contactId must be a contact id: 1 to 128 printable characters'] },
    ]);
  }
  return {
    method: 'DELETE',
    path: `/contacts/${encodeURIComponent(contactId)}`,
    parse: () => true,
    idempotent: true,
    secrets: () => [contactId],
  };
}
