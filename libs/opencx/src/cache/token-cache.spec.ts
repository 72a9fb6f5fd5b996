import { jest } from '@jest/globals';
import { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { TokenCache, contactKey, payloadHash, tokenExpiry } from './token-cache.js';
import { MemoryTokenStore } from './token-store.js';

/** A JWT-shaped string with the given claims. */
const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
const answer = (token: string) => Object.assign(new AuthenticateUserResponseDto(), { token });

describe('TokenCache', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_800_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  const key = contactKey('sk_key', 'Ada@Example.com');
  const payload = payloadHash('sk_key', '{"email":"ada@example.com"}');
  const hit = async (cache: TokenCache, forPayload = payload) =>
    (await cache.lookup(key, 'sk_key', forPayload, 1_000)).hit;

  it('hashes payloads with the API key, so the stored hash cannot be matched without it', () => {
    expect(payloadHash('sk_a', '{}')).not.toBe(payloadHash('sk_b', '{}'));
  });

  it('keys a contact by API key and email (any case), without either in clear', () => {
    expect(contactKey('sk_key', ' ada@example.com')).toBe(key);
    expect(contactKey('sk_other', 'ada@example.com')).not.toBe(key);
    expect(key).not.toMatch(/ada|sk_key/i);
  });

  it('keeps an entry until min(ttl, exp - skew), then misses', async () => {
    const cache = new TokenCache({ ttl: 60_000, skew: 1_000 }, new MemoryTokenStore(10));
    const exp = Math.floor(Date.now() / 1000) + 3;
    await cache.set(key, 'sk_key', payload, answer(jwt({ exp })));
    jest.advanceTimersByTime(1_900);
    expect(await hit(cache)).toBeDefined();
    jest.advanceTimersByTime(200);
    expect(await hit(cache)).toBeUndefined();
  });

  it("honours a ttl shorter than the token's life", async () => {
    const cache = new TokenCache({ ttl: 100, skew: 0 }, new MemoryTokenStore(10));
    await cache.set(key, 'sk_key', payload, answer('opaque'));
    jest.advanceTimersByTime(101);
    expect(await hit(cache)).toBeUndefined();
  });

  it('misses for another payload of the same contact, and evicts by contact', async () => {
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, new MemoryTokenStore(10));
    await cache.set(key, 'sk_key', payload, answer('t1'));
    expect(await hit(cache, payloadHash('sk_key', '{}'))).toBeUndefined();
    expect((await hit(cache))?.token).toBe('t1');
    await cache.evict(key);
    expect(await hit(cache)).toBeUndefined();
  });

  it('reads the exp claim in ms, or undefined', () => {
    expect(tokenExpiry(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
    expect(tokenExpiry(jwt({ sub: 'x' }))).toBeUndefined();
    expect(tokenExpiry('opaque-token')).toBeUndefined();
    expect(tokenExpiry('a.%%%.c')).toBeUndefined();
  });
});

const entry = (payload: string) => ({ payload, token: `t-${payload}` });

describe('MemoryTokenStore', () => {
  it('keeps at most maxEntries contacts, dropping the least recently used', async () => {
    const store = new MemoryTokenStore(2);
    await store.store('a', 'k', entry('a'), 60_000);
    await store.store('b', 'k', entry('b'), 60_000);
    await store.lookup('a', 'k', 'a'); // a is now the most recently used
    await store.store('c', 'k', entry('c'), 60_000);
    expect((await store.lookup('a', 'k', 'a')).entry).toBeDefined();
    expect((await store.lookup('b', 'k', 'b')).entry).toBeUndefined();
    expect((await store.lookup('c', 'k', 'c')).entry).toBeDefined();
  });
});
