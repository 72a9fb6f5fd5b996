import { hash } from 'node:crypto';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { AuthenticateUserResponseDto, OpenCxContactDto } from '../dto/authenticate-user-response.dto.js';
import type { RedisGuard } from '../redis/redis-guard.js';

/** Settings of the token cache, with defaults applied. */
export interface TokenCacheSettings {
  ttl: number;
  skew: number;
  maxEntries: number;
  store?: Keyv;
}

interface CachedToken {
  token: string;
  contactId?: string;
}

/**
 * The cache and single-flight key of a payload: SHA-256 over the API key and the payload's
 * canonical JSON, so no email or key is ever kept in clear, two organisations never share entries,
 * and key order does not matter. `crypto.hash` is one-shot: cheaper than an HMAC on the hot path.
 */
export function payloadKey(apiKey: string, canonicalPayload: string): string {
  return hash('sha256', `${apiKey}\u0000${canonicalPayload}`, 'base64url');
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
 * An LRU as a Keyv store. Keyv passes a TTL number as `set`'s third argument, which LRUCache reads
 * as an options object (and throws on); Keyv keeps the expiry in its own envelope anyway.
 */
function lruStore(max: number): Map<string, unknown> {
  const lru = new LRUCache<string, object | string>({ max });
  return {
    get: (key: string) => lru.get(key),
    set: (key: string, value: object | string) => lru.set(key, value),
    delete: (key: string) => lru.delete(key),
    clear: () => lru.clear(),
    has: (key: string) => lru.has(key),
  } as unknown as Map<string, unknown>;
}

/**
 * Contact tokens by (API key, exact payload), keyed by {@link payloadKey}. An entry lives `min(ttl, exp - skew)`. The default store is an in-memory LRU; any Keyv (e.g.
 * `@keyv/redis`) shares entries across instances. Store failures count as misses.
 */
export class TokenCache {
  private readonly keyv: Keyv<CachedToken>;

  constructor(
    private readonly settings: TokenCacheSettings,
    private readonly guard: RedisGuard,
  ) {
    this.keyv =
      (settings.store as Keyv<CachedToken> | undefined) ??
      new Keyv<CachedToken>({ store: lruStore(settings.maxEntries), namespace: 'opencx' });
    // Keyv also reports store failures as events; the guard already handles them per operation.
    this.keyv.on('error', () => undefined);
  }

  async get(key: string): Promise<AuthenticateUserResponseDto | undefined> {
    const hit = await this.guard.run(
      () => this.keyv.get(key),
      () => undefined,
      'the token cache',
    );
    if (!hit) return undefined;
    const result = new AuthenticateUserResponseDto();
    result.token = hit.token;
    if (hit.contactId !== undefined) result.contact = Object.assign(new OpenCxContactDto(), { id: hit.contactId });
    return result;
  }

  async set(key: string, value: AuthenticateUserResponseDto, now = Date.now()): Promise<void> {
    const expiry = tokenExpiry(value.token);
    const ttl = Math.min(this.settings.ttl, expiry === undefined ? Infinity : expiry - this.settings.skew - now);
    if (!(ttl > 0)) return;
    const entry: CachedToken = { token: value.token, contactId: value.contact?.id };
    await this.guard.run(
      () => this.keyv.set(key, entry, Math.floor(ttl)),
      () => false,
      'the token cache',
    );
  }
}
