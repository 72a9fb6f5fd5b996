import { hash } from 'node:crypto';
import { AuthenticateUserResponseDto, OpenCxContactDto } from '../dto/authenticate-user-response.dto.js';
import type { CachedToken, TokenStore } from './token-store.js';

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

/**
 * The hash of a request body, kept beside the token (in clear, even in Redis): keyed with the API
 * key, so it cannot be matched against a list of likely bodies without it.
 */
export function payloadHash(apiKey: string, body: string): string {
  return hash('sha256', `${apiKey}\u0000${body}`, 'base64url');
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

/** A look-up's answer for the cache step: the cached result, or whether to call OpenCX. */
export interface CacheLookup {
  hit?: AuthenticateUserResponseDto;
  locked: boolean;
}

function toResult(entry: CachedToken): AuthenticateUserResponseDto {
  const result = new AuthenticateUserResponseDto();
  result.token = entry.token;
  if (entry.contactId !== undefined) result.contact = Object.assign(new OpenCxContactDto(), { id: entry.contactId });
  return result;
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

  /** The cached answer for this contact and payload, or whether this instance should ask OpenCX. */
  async lookup(key: string, apiKey: string, payload: string, lockTtl: number): Promise<CacheLookup> {
    const { entry, locked } = await this.store.lookup(key, apiKey, payload, lockTtl);
    return { hit: entry ? toResult(entry) : undefined, locked };
  }

  /** Keeps `value` for this contact, replacing any earlier entry, and releases the contact's lock. */
  async set(key: string, apiKey: string, payload: string, value: AuthenticateUserResponseDto): Promise<void> {
    const expiry = tokenExpiry(value.token);
    const ttl = Math.min(this.settings.ttl, expiry === undefined ? Infinity : expiry - this.settings.skew - Date.now());
    if (!(ttl >= 1)) return this.store.unlock(key);
    const entry: CachedToken = { payload, token: value.token, contactId: value.contact?.id };
    await this.store.store(key, apiKey, entry, Math.floor(ttl));
  }

  /** Releases the contact's lock after a failed call. */
  unlock(key: string): Promise<void> {
    return this.store.unlock(key);
  }

  /** Forgets the contact's token. */
  evict(key: string): Promise<void> {
    return this.store.delete(key);
  }
}
