import { createHash, createHmac } from 'node:crypto';

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** A UUID (version 8, name-based) from a hash: stable for the same input, as OpenCX's ids are UUIDs. */
function uuidFrom(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The organisation id the fake server gives an API key (a UUID, stable per key): the token's `sub.payload.org_id`. */
export function fakeOrgId(apiKey: string): string {
  return uuidFrom('org', apiKey);
}

/**
 * The contact id the fake gives the first contact of an email in an organisation: a UUID, the same
 * for the same email (case and surrounding spaces aside) in the same organisation. The fake keys
 * contacts by email, as OpenCX is assumed to (its docs do not say); a contact made for the email
 * after a deletion gets another id (`OpenCxFakeServer.contactIdFor` gives it).
 */
export function fakeContactId(email: string, orgId = 'org'): string {
  return uuidFrom('contact', orgId, email.trim().toLowerCase());
}

/** What a host backend may send as `mcp_access` (OpenCX widget 5). */
export interface FakeMcpAccess {
  server_ids?: string[];
  account_id?: string;
}

/**
 * An HS256 JWT shaped like OpenCX's contact tokens (the envelope of the widget's fixtures): `sub`
 * is `{ type: 'widget-contact', payload: { org_id, contact: { id, verified: true }, mcp_access? } }`,
 * with `iat`, and `exp` `ttlSeconds` later when `ttlSeconds` is set (the fake server sets 3600 for
 * `mcp_access` tokens, which OpenCX says expire after one hour, and leaves `exp` out of chat-only
 * ones, which keep a "non-expiring behavior": whether they carry an `exp` is not documented). No
 * `iss`, as in the widget's fixtures. For tests that need a token of their own making.
 */
export function signFakeToken(
  contactId: string,
  ttlSeconds: number | undefined,
  secret: string,
  now = Date.now(),
  orgId = 'org',
  mcpAccess?: FakeMcpAccess,
): string {
  const iat = Math.floor(now / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const sub = {
    type: 'widget-contact',
    payload: {
      org_id: orgId,
      contact: { id: contactId, verified: true },
      ...(mcpAccess === undefined ? {} : { mcp_access: mcpAccess }),
    },
  };
  const claims = ttlSeconds === undefined ? { sub, iat } : { sub, iat, exp: iat + ttlSeconds };
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
