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

// The sliding log (see RateLimitStore). KEYS plan, sends, pause; ARGV limit, window, maxWait,
// member, maxTransit, then releases as pairs (member, ms since its request ended). A send in
// transit is scored by the latest it can end (now + maxTransit) and counts as reaching OpenCX now
// until then; its release scores it by when it ended, and drops a booking never sent.
const LOG = `${NOW}
local limit, window, maxWait, transit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[5])
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
for i = 6, #ARGV, 2 do
  local ended = now - tonumber(ARGV[i + 1])
  if redis.call('ZSCORE', KEYS[2], ARGV[i]) then
    redis.call('ZADD', KEYS[1], ended, ARGV[i])
    redis.call('ZADD', KEYS[2], ended, ARGV[i])
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
  end
end
-- The earliest time the key's scores allow, none counted later than cap.
local function slot(key, cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count < limit then return now end
  local entry = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
  return math.min(tonumber(entry[2]), cap) + window
end
local function keep(key)
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIRE', key, math.max(1, tonumber(last[2]) - now + window)) end
end
local function book(at)
  redis.call('ZADD', KEYS[1], at, ARGV[4])
  if at <= now then redis.call('ZADD', KEYS[2], now + transit, ARGV[4]) end
  keep(KEYS[1])
  keep(KEYS[2])
end`;

const RESERVE = `${LOG}
local at = math.max(slot(KEYS[1], math.huge), slot(KEYS[2], now), paused)
if at - now > maxWait then return {0, at - now} end
book(at)
return {1, at - now}`;

const CLAIM = `${LOG}
local at = math.max(slot(KEYS[2], now), paused)
book(at)
return at - now`;

const RELEASE = `${LOG}
keep(KEYS[1])
keep(KEYS[2])
return 1`;

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

/**
 * The sliding log in Redis, shared by the fleet; each instance's share of it in memory while Redis
 * is unavailable. A slot's release is not a round trip of its own: it travels with the key's next
 * operation from this instance, or after a sixtieth of the window (the limiter's margin) with the
 * others due by then. Until it arrives the send counts as in transit, which may hold others back
 * that long, never lets one more through. Releases an unavailable Redis never got expire with
 * their sends' `maxTransit`.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly local = new MemoryRateLimitStore();
  /** Per key: the releases not yet sent (member → when its request ended, this process's clock), and the key's settings. */
  private readonly releases = new Map<string, { request: ReserveRequest; ended: Map<string, number> }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: OpenCxRedisClient,
    private readonly breaker: CircuitBreaker,
  ) {}

  reserve(key: string, id: string, request: ReserveRequest): Promise<Reservation> {
    return this.breaker.run(
      async () => {
        const [granted, waitMs] = (await this.log(RESERVE, key, id, request)) as [number, number];
        return { granted: granted === 1, waitMs: Number(waitMs) };
      },
      () => this.local.reserve(key, id, request),
    );
  }

  claim(key: string, id: string, request: ReserveRequest): Promise<number> {
    return this.breaker.run(
      async () => Number(await this.log(CLAIM, key, id, request)),
      () => this.local.claim(key, id, request),
    );
  }

  async release(key: string, id: string, request: ReserveRequest): Promise<void> {
    await this.local.release(key, id);
    // While Redis is skipped nothing would carry the release; the send expires with its maxTransit.
    if (this.breaker.isOpen) return;
    const due = this.releases.get(key) ?? { request, ended: new Map<string, number>() };
    due.ended.set(id, Date.now());
    this.releases.set(key, due);
    this.timer ??= setTimeout(() => void this.flush(), Math.ceil(request.window / 60)).unref();
  }

  /** Sends every release still due, one operation per key (also at shutdown). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(
      [...this.releases].map(([key, { request }]) =>
        this.breaker.run(
          () => this.log(RELEASE, key, '', request),
          () => undefined,
        ),
      ),
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

  /** Runs one of the log's scripts for `key`, carrying the key's releases due. */
  private log(script: string, key: string, id: string, request: ReserveRequest): Promise<unknown> {
    const keys = [`opencx:{${key}}:log`, `opencx:{${key}}:sent`, `opencx:{${key}}:pause`];
    const args: Array<string | number> = [request.limit, request.window, request.maxWait, id, request.maxTransit];
    const now = Date.now();
    for (const [member, ended] of this.releases.get(key)?.ended ?? []) args.push(member, now - ended);
    this.releases.delete(key);
    return run(this.client, script, keys, args);
  }
}
