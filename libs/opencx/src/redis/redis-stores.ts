import { randomUUID } from 'node:crypto';
import { MemoryTokenStore, type CachedToken, type Lookup, type TokenStore } from '../cache/token-store.js';
import type { OpenCxRedisClient } from '../opencx.options.js';
import {
  MemoryRateLimitStore,
  type RateLimitStore,
  type Reservation,
  type ReserveRequest,
} from '../rate-limit/rate-limit-store.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { TokenCrypto } from './token-crypto.js';

// Every command is a script: one round trip each, atomic, and the same call on a client or a
// cluster (keys of one script share a hash tag, so they live in one slot). Times come from the
// Redis server's clock, so instances whose clocks differ still agree on the window.
const NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000)";

/** The contact's entry if it is for this payload; else the contact's lock, if free: {hit, value, locked}. */
const LOOKUP = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, #ARGV[1] + 1) == ARGV[1] .. '.' then return {1, v, 0} end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {0, '', 1} end
return {0, '', 0}`;
/** Keeps the entry and releases this instance's lock on the contact. */
const STORE = `redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1`;
const UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
const DEL = "return redis.call('DEL', KEYS[1])";

/** The sliding log (see RateLimitStore): KEYS log, pause; ARGV limit, window, maxWait, member. */
const RESERVE = `${NOW}
local limit, window, maxWait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local at = now
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local entry = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  at = math.max(at, tonumber(entry[2]) + window)
end
at = math.max(at, tonumber(redis.call('GET', KEYS[2]) or '0'))
local wait = at - now
if wait > maxWait then return {0, wait} end
redis.call('ZADD', KEYS[1], at, ARGV[4])
redis.call('PEXPIRE', KEYS[1], wait + window)
return {1, wait}`;

/** A pause never shortens one already set: KEYS pause; ARGV ms. */
const PAUSE = `${NOW}
local ms = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + ms > current then redis.call('SET', KEYS[1], now + ms, 'PX', ms) end
return 1`;

const PAUSED_FOR = `${NOW}
return math.max(0, tonumber(redis.call('GET', KEYS[1]) or '0') - now)`;

/** A contact's token and lock keys, in one hash slot. */
const keysOf = (key: string): string[] => [`opencx:{${key}}:token`, `opencx:{${key}}:lock`];

/** Runs one script. */
function run(
  client: OpenCxRedisClient,
  script: string,
  keys: string[],
  args: Array<string | number> = [],
): Promise<unknown> {
  return client.eval(script, { keys, arguments: args.map(String) });
}

/**
 * Tokens in Redis as `payload-hash.sealed-entry`, so a look-up compares the payload without the
 * key to open the entry; in this process's memory while Redis is unavailable.
 */
export class RedisTokenStore implements TokenStore {
  private readonly local: MemoryTokenStore;
  private readonly owner = randomUUID();

  constructor(
    private readonly client: OpenCxRedisClient,
    private readonly breaker: CircuitBreaker,
    private readonly crypto: TokenCrypto,
    maxEntries: number,
  ) {
    this.local = new MemoryTokenStore(maxEntries);
  }

  lookup(key: string, apiKey: string, payload: string, lockTtl: number): Promise<Lookup> {
    return this.breaker.run(
      async () => {
        const [hit, value, locked] = (await run(this.client, LOOKUP, keysOf(key), [payload, this.owner, lockTtl])) as [
          number,
          string,
          number,
        ];
        const plain = hit === 1 ? this.crypto.open(apiKey, value.slice(payload.length + 1)) : undefined;
        // An entry sealed under another key, or altered, is a miss: this instance asks OpenCX.
        if (hit === 1 && plain === undefined) return { locked: true };
        return { entry: plain === undefined ? undefined : (JSON.parse(plain) as CachedToken), locked: locked === 1 };
      },
      () => this.local.lookup(key, apiKey, payload),
    );
  }

  store(key: string, apiKey: string, entry: CachedToken, ttlMs: number): Promise<void> {
    const value = `${entry.payload}.${this.crypto.seal(apiKey, JSON.stringify(entry))}`;
    return this.breaker.run(
      async () => void (await run(this.client, STORE, keysOf(key), [value, ttlMs, this.owner])),
      () => this.local.store(key, apiKey, entry, ttlMs),
    );
  }

  async unlock(key: string): Promise<void> {
    await this.breaker.run(
      () => run(this.client, UNLOCK, [keysOf(key)[1]!], [this.owner]),
      () => 0,
    );
  }

  /** Gone from Redis and from memory, or a rejection: an eviction that did not reach the fleet must say so. */
  async delete(key: string): Promise<void> {
    await this.local.delete(key);
    await this.breaker.require(() => run(this.client, DEL, [keysOf(key)[0]!]));
  }
}

/** The sliding log in Redis, shared by the fleet; each instance's share of it in memory while Redis is unavailable. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly local = new MemoryRateLimitStore();
  private readonly instance = randomUUID();
  private sequence = 0;

  constructor(
    private readonly client: OpenCxRedisClient,
    private readonly breaker: CircuitBreaker,
  ) {}

  reserve(key: string, request: ReserveRequest): Promise<Reservation> {
    const member = `${this.instance}:${this.sequence++}`;
    return this.breaker.run(
      async () => {
        const keys = [`opencx:{${key}}:log`, `opencx:{${key}}:pause`];
        const [granted, waitMs] = (await run(this.client, RESERVE, keys, [
          request.limit,
          request.window,
          request.maxWait,
          member,
        ])) as [number, number];
        return { granted: granted === 1, waitMs: Number(waitMs) };
      },
      () => this.local.reserve(key, request),
    );
  }

  async pause(key: string, ms: number): Promise<void> {
    // Also here, so the pause holds if Redis fails before it ends.
    await this.local.pause(key, ms);
    await this.breaker.run(
      async () => void (await run(this.client, PAUSE, [`opencx:{${key}}:pause`], [ms])),
      () => undefined,
    );
  }

  pausedFor(key: string): Promise<number> {
    return this.breaker.run(
      async () => Number(await run(this.client, PAUSED_FOR, [`opencx:{${key}}:pause`])),
      () => this.local.pausedFor(key),
    );
  }
}
