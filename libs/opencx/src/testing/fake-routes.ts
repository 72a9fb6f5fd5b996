import { AUTHENTICATE_USER_PATH } from '../opencx.constants.js';

/** Every route the fake serves, with what it does: the CLI's `--help` and the docs list them from here. */
export const FAKE_ROUTES = {
  [`POST ${AUTHENTICATE_USER_PATH}`]: 'a contact token; creates the contact for the email, or updates its profile',
  'PATCH /contacts/{id}': "changes a contact's email, phone, name or custom_data (200, no body)",
  'GET /contacts':
    'lists contacts a page at a time, oldest first (cursor, created_after, created_before, updated_after, updated_before)',
  'DELETE /contacts/{id}': 'deletes a contact (200, no body); its tokens are refused from then on',
} as const;

/** One route of the fake, as `METHOD /path` with `{id}` for the contact id, e.g. `'GET /contacts'`. */
export type FakeRoute = keyof typeof FAKE_ROUTES;

/** Where one request goes: its route (undefined for a path the fake does not serve) and its parts. */
export interface FakeTarget {
  route: FakeRoute | undefined;
  /** The path without its query string, as received. */
  path: string;
  query: URLSearchParams;
  /** The decoded contact id of a `/contacts/{id}` route; undefined when its escapes are malformed. */
  contactId?: string;
}

const CONTACT_PATH = /^\/contacts\/([^/]+)$/;

/** Whether `value` names a route of the fake. */
export function isFakeRoute(value: unknown): value is FakeRoute {
  return typeof value === 'string' && Object.hasOwn(FAKE_ROUTES, value);
}

/** Reads a request's method and URL. Never throws: a malformed escape leaves `contactId` undefined. */
export function targetOf(method: string, url: string): FakeTarget {
  const mark = url.indexOf('?');
  const path = mark === -1 ? url : url.slice(0, mark);
  const query = new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1));
  if (method === 'POST' && path === AUTHENTICATE_USER_PATH)
    return { route: `POST ${AUTHENTICATE_USER_PATH}`, path, query };
  if (method === 'GET' && path === '/contacts') return { route: 'GET /contacts', path, query };
  const contact = CONTACT_PATH.exec(path);
  if (contact && (method === 'PATCH' || method === 'DELETE')) {
    const route: FakeRoute = method === 'PATCH' ? 'PATCH /contacts/{id}' : 'DELETE /contacts/{id}';
    try {
      return { route, path, query, contactId: decodeURIComponent(contact[1]!) };
    } catch {
      // A malformed escape (`%E0%A4%A`): refused with 400 by the caller, as a URL parser refuses it.
      return { route, path, query };
    }
  }
  return { route: undefined, path, query };
}
