/** OpenCX's `Contact.id` is `format: uuid`: any version, either case. */
export const CONTACT_ID_PATTERN = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/**
 * A list's cursor as it can be sent back: printable ASCII without spaces, bounded. OpenCX documents
 * no format (it is opaque); a `next` outside this rule is refused as an invalid answer.
 */
export const CURSOR_PATTERN = /^[\x21-\x7e]{1,4096}$/;

/**
 * A contact as `GET /contacts` lists it (OpenCX's `Contact`), with OpenCX's own field names. The
 * fields other than `id` and the two times may be null.
 */
export interface OpenCxContact {
  /** The contact's id: a UUID, the one `authenticateUser` returns as `contact.id`. */
  id: string;
  email: string | null;
  phone_number: string | null;
  name: string | null;
  /** As OpenCX keeps it (its 2024 schema has string values); null when none. */
  custom_data: Record<string, unknown> | null;
  /** When the contact was created: ISO 8601, as OpenCX sent it. */
  created_at: string;
  /** When the contact last changed: ISO 8601, as OpenCX sent it. */
  updated_at: string;
}

/** One page of `GET /contacts`: its contacts, and the cursor of the next page (null on the last). */
export interface OpenCxContactPage {
  items: OpenCxContact[];
  /** Pass it as `cursor` (with the same filter) for the next page; null when there is none. */
  next: string | null;
}

/**
 * Which contacts `listContacts` lists: each bound a `Date` or an ISO 8601 string, sent to OpenCX as
 * `created_after`, `created_before`, `updated_after` and `updated_before`. Unset: no bound.
 */
export interface OpenCxContactFilter {
  createdAfter?: Date | string;
  createdBefore?: Date | string;
  updatedAfter?: Date | string;
  updatedBefore?: Date | string;
}

/** One page's query for `listContactsPage`: the filter, and the cursor a previous page gave as `next`. */
export interface OpenCxContactPageQuery extends OpenCxContactFilter {
  /** The `next` of the previous page; unset for the first. Send the same filter with it. */
  cursor?: string;
}

/** What `deleteContact` did: `deleted` is false when OpenCX did not know the contact (a 404). */
export interface OpenCxDeleteResult {
  deleted: boolean;
}
