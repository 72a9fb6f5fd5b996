import { hash } from 'node:crypto';
import { AuthenticateUserResponseDto, OpenCxContactDto } from '../dto/authenticate-user-response.dto.js';
import type { TokenStore } from './token-store.js';

/** Settings of the token cache, with defaults applied. */
export interface TokenCacheSettings {
  ttl: number;
  skew: number;
}

/**
 * The key of a contact: SHA-256 over the API key and the lower-cased email, so no email or key is
 * kept in clear, two organisations never share entries, and one contact has one entry.
 */
export function contactKey(apiKey: string, email: string): string {
  return hash('sha256', `${apiKey}\u0000${email.trim().toLowerCase()}`, 'base64url');
}

/** The hash of a request body, kept beside the token: the same contact with another profile is a miss. */
export function payloadHash(body: string): string {
  return hash('sha256', body, 'base64url');
}

/** The `exp` claim of a JWT-shaped token, in ms since the epoch, or undefined. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Contact tokens, one entry per contact (API key + email), reused while the payload is unchanged
 * and the token has at least `skew` left. An entry lives `min(ttl, exp - skew)`.
 */
export class TokenCache {
  constructor(
    private readonly settings: TokenCacheSettings,
    private readonly store: TokenStore,
  ) {}

  /** The cached answer for this contact and payload, if any. */
  async get(key: string, apiKey: string, payload: string): Promise<AuthenticateUserResponseDto | undefined> {
    const hit = await this.store.get(key, apiKey);
    if (hit?.payload !== payload) return undefined;
    const result = new AuthenticateUserResponseDto();
    result.token = hit.token;
    if (hit.contactId !== undefined) result.contact = Object.assign(new OpenCxContactDto(), { id: hit.contactId });
    return result;
  }

  /** Keeps `value` for this contact, replacing any earlier entry. */
  async set(key: string, apiKey: string, payload: string, value: AuthenticateUserResponseDto): Promise<void> {
    const expiry = tokenExpiry(value.token);
    const ttl = Math.min(this.settings.ttl, expiry === undefined ? Infinity : expiry - this.settings.skew - Date.now());
    if (!(ttl >= 1)) return;
    await this.store.set(key, apiKey, { payload, token: value.token, contactId: value.contact?.id }, Math.floor(ttl));
  }

  /** Forgets the contact's token. */
  evict(key: string): Promise<void> {
    return this.store.delete(key);
  }
}
