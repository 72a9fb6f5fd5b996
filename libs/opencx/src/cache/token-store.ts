import { LRUCache } from 'lru-cache';

/** One contact's cached token, with the hash of the payload it was issued for. */
export interface CachedToken {
  /** SHA-256 of the request body: a changed profile is a miss, and replaces the entry. */
  payload: string;
  token: string;
  contactId?: string;
}

/**
 * Where contact tokens live, by contact key. The in-memory store below is the default; the Redis
 * add-on keeps them (encrypted with a key derived from `apiKey`) where the fleet shares them.
 */
export interface TokenStore {
  get(key: string, apiKey: string): Promise<CachedToken | undefined>;
  set(key: string, apiKey: string, entry: CachedToken, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Tokens in this process: an LRU of at most `maxEntries` contacts, each with its own expiry. */
export class MemoryTokenStore implements TokenStore {
  // Expiry is checked here, against Date.now(), rather than with lru-cache's own TTL clock.
  private readonly lru: LRUCache<string, { entry: CachedToken; expiresAt: number }>;

  constructor(maxEntries: number) {
    this.lru = new LRUCache({ max: maxEntries });
  }

  get(key: string): Promise<CachedToken | undefined> {
    const item = this.lru.get(key);
    if (item && item.expiresAt <= Date.now()) this.lru.delete(key);
    return Promise.resolve(item && item.expiresAt > Date.now() ? item.entry : undefined);
  }

  set(key: string, _apiKey: string, entry: CachedToken, ttlMs: number): Promise<void> {
    this.lru.set(key, { entry, expiresAt: Date.now() + ttlMs });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.lru.delete(key);
    return Promise.resolve();
  }
}
