/** What replaces a secret wherever the library would otherwise print it. */
export const REDACTED = '[redacted]';

// Anything that looks like an email or a bearer credential, even when it is not one of this
// request's known values (an upstream may echo a normalised form, e.g. lower-cased).
const EMAIL_PATTERN = /[^\s@"'<>()[\]{},;:]+@[^\s@"'<>()[\]{},;:]+/g;
const BEARER_PATTERN = /\bBearer\s+\S+/gi;
const PHONE_PATTERN = /\+?\d[\d\s().-]{6,}\d/g;

/**
 * Removes the given secret values, and anything shaped like an email, a phone number or a bearer
 * credential, from a text the library is about to put in an error or a log line.
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values (e.g. "1") would shred the text without protecting anything.
    if (secret && secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(BEARER_PATTERN, `Bearer ${REDACTED}`)
    .replace(EMAIL_PATTERN, REDACTED)
    .replace(PHONE_PATTERN, REDACTED);
}

/** The values of a request that must never be printed: the key, the identity and the header overrides. */
export function secretsOf(
  apiKey: string,
  body: {
    email?: unknown;
    phone?: unknown;
    http_action_overrides?: { headers?: Record<string, unknown> };
  },
): string[] {
  const secrets = [apiKey];
  if (typeof body.email === 'string') secrets.push(body.email);
  if (typeof body.phone === 'string') secrets.push(body.phone);
  for (const value of Object.values(body.http_action_overrides?.headers ?? {})) {
    if (value !== null && value !== undefined) secrets.push(String(value));
  }
  return secrets;
}
