/** One contact's cached token, with the hash of the payload it was issued for. */
export interface CachedToken {
  /** A keyed hash of the request body: a changed profile is a miss, and replaces the entry. */
  payload: string;
  token: string;
  contactId?: string;
}

/** What a look-up found: the entry for this payload, or whether this instance may call OpenCX for it. */
export interface Lookup {
  entry?: CachedToken;
  /** In memory, always true; in a fleet, true for the one instance that took the contact's lock. */
  locked: boolean;
}

/**
 * Where contact tokens live, by contact key. The in-memory store below is the default; the Redis
 * add-on keeps them (sealed with a key derived from `apiKey`) where the fleet shares them, and
 * uses the look-up to let one instance at a time ask OpenCX for a contact: one round trip for a
 * hit, and with the store that follows the call, two for a miss.
 */
export interface TokenStore {
  lookup(key: string, apiKey: string, payload: string, lockTtl: number): Promise<Lookup>;
  /** Keeps the entry for `ttlMs`, releasing this instance's lock on the contact. */
  store(key: string, apiKey: string, entry: CachedToken, ttlMs: number): Promise<void>;
  /** Releases this instance's lock without storing anything (the call failed). */
  unlock(key: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Tokens in this process: at most `maxEntries` contacts, the least recently used going first, each
 * with its own expiry. A `Map` keeps insertion order, so moving an entry to the end on each read
 * makes its first key the least recently used: an LRU in a few lines, with no dependency.
 */
export class MemoryTokenStore implements TokenStore {
  private readonly entries = new Map<string, { entry: CachedToken; expiresAt: number }>();

  constructor(private readonly maxEntries: number) {}

  lookup(key: string, _apiKey: string, payload: string): Promise<Lookup> {
    const item = this.entries.get(key);
    this.entries.delete(key);
    const live = item && item.expiresAt > Date.now() ? item : undefined;
    if (live) this.entries.set(key, live);
    return Promise.resolve({ entry: live?.entry.payload === payload ? live.entry : undefined, locked: true });
  }

  store(key: string, _apiKey: string, entry: CachedToken, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { entry, expiresAt: Date.now() + ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return Promise.resolve();
  }

  unlock(): Promise<void> {
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }
}
