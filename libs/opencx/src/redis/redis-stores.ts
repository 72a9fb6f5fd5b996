import { randomUUID } from 'node:crypto';
import type { FleetLock } from '../cache/cached-call.js';
import { MemoryTokenStore, type CachedToken, type TokenStore } from '../cache/token-store.js';
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

const GET = "return redis.call('GET', KEYS[1])";
const SET = "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1";
const DEL = "return redis.call('DEL', KEYS[1])";
const EXISTS = "return redis.call('EXISTS', KEYS[1])";
const LOCK = "return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0";
const UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

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

/** Runs one script. */
function run(
  client: OpenCxRedisClient,
  script: string,
  keys: string[],
  args: Array<string | number> = [],
): Promise<unknown> {
  return client.eval(script, { keys, arguments: args.map(String) });
}

/** Tokens in Redis, sealed; in this process's memory while Redis is unavailable. */
export class RedisTokenStore implements TokenStore {
  private readonly local: MemoryTokenStore;

  constructor(
    private readonly client: OpenCxRedisClient,
    private readonly breaker: CircuitBreaker,
    private readonly crypto: TokenCrypto,
    maxEntries: number,
  ) {
    this.local = new MemoryTokenStore(maxEntries);
  }

  get(key: string, apiKey: string): Promise<CachedToken | undefined> {
    return this.breaker.run(
      async () => {
        const sealed = await run(this.client, GET, [`opencx:token:${key}`]);
        const plain = typeof sealed === 'string' ? this.crypto.open(apiKey, sealed) : undefined;
        return plain === undefined ? undefined : (JSON.parse(plain) as CachedToken);
      },
      () => this.local.get(key),
    );
  }

  set(key: string, apiKey: string, entry: CachedToken, ttlMs: number): Promise<void> {
    const sealed = this.crypto.seal(apiKey, JSON.stringify(entry));
    return this.breaker.run(
      async () => void (await run(this.client, SET, [`opencx:token:${key}`], [sealed, ttlMs])),
      () => this.local.set(key, apiKey, entry, ttlMs),
    );
  }

  /** Gone from Redis and from memory, or a rejection: an eviction that did not reach the fleet must say so. */
  async delete(key: string): Promise<void> {
    await this.local.delete(key);
    await this.breaker.require(() => run(this.client, DEL, [`opencx:token:${key}`]));
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

/** Single-flight across the fleet with a Redis lock per payload; each instance on its own while Redis is unavailable. */
export class RedisFleetLock implements FleetLock {
  private readonly owner = randomUUID();

  constructor(
    private readonly client: OpenCxRedisClient,
    private readonly breaker: CircuitBreaker,
  ) {}

  acquire(key: string, ttlMs: number): Promise<boolean> {
    return this.breaker.run(
      async () => Number(await run(this.client, LOCK, [`opencx:lock:${key}`], [this.owner, ttlMs])) === 1,
      () => true,
    );
  }

  async release(key: string): Promise<void> {
    await this.breaker.run(
      () => run(this.client, UNLOCK, [`opencx:lock:${key}`], [this.owner]),
      () => 0,
    );
  }

  isHeld(key: string): Promise<boolean> {
    return this.breaker.run(
      async () => Number(await run(this.client, EXISTS, [`opencx:lock:${key}`])) === 1,
      () => false,
    );
  }
}
