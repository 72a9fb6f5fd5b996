import type { OpenCxRequest } from '../call/opencx-request.js';
import type { OpenCxContactPage } from '../dto/opencx-contact.js';
import { OpenCxInvalidResponseError } from '../errors/opencx.errors.js';
import { stringsIn } from '../errors/scrub.js';
import { CONTACT_FILTERS, contactIdOf, contactQueryOf, validateUpdateContact } from '../input/validate-contacts.js';
import { parseContactsPage } from './contacts-page.js';

// The requests of the contacts operations, one function each: it checks the input and describes
// the one HTTP request the call sends (the attempt runner sends it, with retries).

/** A request about one contact: the id it was sent for (checked, in lower case). */
export interface ContactRequest extends OpenCxRequest<true> {
  readonly contactId: string;
}

/** `PATCH /contacts/{contact_id}` with `{ contact: changes }`; OpenCX answers 200 with no body. */
export function updateContactRequest(contactId: unknown, changes: unknown): ContactRequest & { email?: string } {
  const id = contactIdOf(contactId);
  const dto = validateUpdateContact(changes);
  return {
    method: 'PATCH',
    path: `/contacts/${id}`,
    // The DTO's own fields are the contact's changes: its prototype is not wanted.
    // oxlint-disable-next-line typescript/no-misused-spread
    body: JSON.stringify({ contact: { ...dto } }),
    contactId: id,
    ...(dto.email === undefined ? {} : { email: dto.email }),
    parse: () => true,
    // Assumed (OpenCX does not say): the same fields sent twice leave the same contact.
    idempotent: true,
    secrets: () => [id, ...stringsIn(dto)],
  };
}

/** `GET /contacts` for one page: the filter's bounds and the cursor (also said as `cursor`) as OpenCX's query parameters. */
export function listContactsRequest(pageQuery: unknown): OpenCxRequest<OpenCxContactPage> & { cursor?: string } {
  const { cursor, ...bounds } = contactQueryOf(pageQuery, true);
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(bounds)) params.set(CONTACT_FILTERS[name as keyof typeof bounds], value);
  if (cursor !== undefined) params.set('cursor', cursor);
  const query = params.toString();
  return {
    method: 'GET',
    path: query === '' ? '/contacts' : `/contacts?${query}`,
    ...(cursor === undefined ? {} : { cursor }),
    parse: (status, text) => {
      const page = parseContactsPage(status, text);
      // A `next` that names the page it came with would list that page for ever.
      if (cursor !== undefined && page.next === cursor) {
        throw new OpenCxInvalidResponseError(status, 'next repeats the cursor it answered');
      }
      return page;
    },
    idempotent: true,
    secrets: () => [],
  };
}

/** `DELETE /contacts/{contact_id}`; OpenCX answers with no body. */
export function deleteContactRequest(contactId: unknown): ContactRequest {
  const id = contactIdOf(contactId);
  return {
    method: 'DELETE',
    path: `/contacts/${id}`,
    contactId: id,
    parse: () => true,
    idempotent: true,
    secrets: () => [id],
  };
}
