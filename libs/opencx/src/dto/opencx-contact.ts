/** OpenCX's `Contact.id` is `format: uuid`: any version, either case. */
export const CONTACT_ID_PATTERN = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/** What `deleteContact` did: `deleted` is false when OpenCX did not know the contact (a 404). */
export interface OpenCxDeleteResult {
  deleted: boolean;
}
