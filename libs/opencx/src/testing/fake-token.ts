import { createHash, createHmac } from 'node:crypto';

const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** The contact id the fake server gives an email: stable across runs, like OpenCX's upsert by email. */
export function fakeContactId(email: string): string {
  return `ctc_${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 24)}`;
}

/** A JWT-shaped HS256 token with `sub`, `iat` and `exp`, as OpenCX's contact tokens are. */
export function signFakeToken(contactId: string, ttlSeconds: number, secret: string, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ sub: contactId, iat, exp: iat + ttlSeconds, iss: 'opencx-fake' }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
