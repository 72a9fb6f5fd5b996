import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { OpenCxRedisClient } from '../opencx.options.js';
import type {
  OpenCxFleetStore,
  OpenCxReservation,
  OpenCxSlotRequest,
  OpenCxStoreLookup,
} from '../store/opencx-fleet-store.interface.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { connectRedis, type OwnedRedisClient } from './redis-connection.js';
import { CLAIM, DEL, LOOKUP, PAUSE, PAUSED_FOR, RELEASE, RESERVE, STORE, UNLOCK } from './redis.scripts.js';

/** Options of {@link RedisFleetStore}. */
export interface RedisFleetStoreOptions {
  /**
   * Longest one Redis operation may take, in ms, before the store answers from this process's
   * memory (and stops asking Redis for a few seconds). Default 1000.
   */
  timeout?: number;
  /** Contacts the in-memory fallback keeps while Redis is unavailable. Default 100000. */
  maxEntries?: number;
}

const DEFAULT_TIMEOUT = 1_000;

/** A contact's token and lock keys, in one hash slot. */
const contactKeys = (key: string): [string, string] => [`opencx:{${key}}:token`, `opencx:{${key}}:lock`];
const pauseKey = (key: string): string => `opencx:{${key}}:pause`;

/**
 * The fleet store in Redis: tokens (stored `payload-hash.sealed-entry`, so a look-up compares the
 * payload without opening the entry) with each contact's lock, the sliding log and the pause,
 * shared by every instance. Every operation is one Lua script (atomic, one round trip, the same on
 * a client or a cluster) timed by the Redis server's clock, and bounded by `timeout` behind one
 * circuit breaker: while Redis fails, the store answers from this process's memory (each instance
 * then allows itself its share of the limit) and says so through `degraded`.
 *
 * A slot's release is not a round trip of its own: it travels with the key's next operation from
 * this instance, or after a sixtieth of the window with the others due by then, and at `close`.
 * Until it arrives the send counts as in transit, which may hold others back, never lets one
 * more through; releases an unavailable Redis never got expire with their sends' `maxTransit`.
 */
export class RedisFleetStore implements OpenCxFleetStore {
  private readonly local: MemoryFleetStore;
  private readonly breaker: CircuitBreaker;
  private readonly owner = randomUUID();
  /** Per key: the releases not yet sent (member → when its request ended), and the key's settings. */
  private readonly releases = new Map<string, { request: OpenCxSlotRequest; ended: Map<string, number> }>();
  private timer: NodeJS.Timeout | undefined;
  private owned: OwnedRedisClient | undefined;

  /**
   * @param client a connected node-redis client or cluster the application owns (never closed here).
   */
  constructor(
    private readonly client: OpenCxRedisClient,
    options: RedisFleetStoreOptions = {},
  ) {
    this.breaker = new CircuitBreaker(options.timeout ?? DEFAULT_TIMEOUT, new Logger('OpenCx:redis'));
    this.local = new MemoryFleetStore(options.maxEntries);
  }

  /**
   * A store on its own connection to `url` (`redis://` or `rediss://`, needs the optional peer
   * `redis`), closed by {@link close}. Start-up never waits on Redis for more than a second: an
   * unreachable server is a warning, and the store works in memory until it answers.
   */
  static async connect(url: string, options: RedisFleetStoreOptions = {}): Promise<RedisFleetStore> {
    const client = await connectRedis(url, new Logger('OpenCx:redis'));
    const store = new RedisFleetStore(client, options);
    store.owned = client;
    return store;
  }

  /** Whether operations currently answer from this process's memory because Redis failed. */
  get degraded(): boolean {
    return this.breaker.isOpen;
  }

  lookup(key: string, payload: string, lockTtl: number): Promise<OpenCxStoreLookup> {
    return this.breaker.run(
      async () => {
        const [hit, value, locked] = (await this.eval(LOOKUP, contactKeys(key), [payload, this.owner, lockTtl])) as [
          number,
          string,
          number,
        ];
        if (hit === 1) return { value: value.slice(payload.length + 1), locked: false };
        return { locked: locked === 1 };
      },
      () => this.local.lookup(key, payload),
    );
  }

  save(key: string, payload: string, value: string, ttlMs: number): Promise<void> {
    return this.breaker.run(
      async () => void (await this.eval(STORE, contactKeys(key), [`${payload}.${value}`, ttlMs, this.owner])),
      () => this.local.save(key, payload, value, ttlMs),
    );
  }

  async unlock(key: string): Promise<void> {
    await this.breaker.run(
      () => this.eval(UNLOCK, [contactKeys(key)[1]], [this.owner]),
      () => 0,
    );
  }

  /** Gone from Redis and from memory, or a rejection: an eviction that did not reach the fleet must say so. */
  async evict(key: string): Promise<void> {
    await this.local.evict(key);
    await this.breaker.require(() => this.eval(DEL, [contactKeys(key)[0]]));
  }

  reserve(key: string, id: string, request: OpenCxSlotRequest): Promise<OpenCxReservation> {
    return this.breaker.run(
      async () => {
        const [granted, waitMs] = (await this.log(RESERVE, key, id, request)) as [number, unknown];
        return { granted: granted === 1, waitMs: Number(waitMs) };
      },
      () => this.local.reserve(key, id, request),
    );
  }

  claim(key: string, id: string, request: OpenCxSlotRequest): Promise<number> {
    return this.breaker.run(
      async () => Number(await this.log(CLAIM, key, id, request)),
      () => this.local.claim(key, id, request),
    );
  }

  async release(key: string, id: string, request: OpenCxSlotRequest): Promise<void> {
    await this.local.release(key, id);
    // While Redis is skipped nothing would carry the release; the send expires with its maxTransit.
    if (this.breaker.isOpen) return;
    const due = this.releases.get(key) ?? { request, ended: new Map<string, number>() };
    due.ended.set(id, Date.now());
    this.releases.set(key, due);
    this.timer ??= setTimeout(() => void this.flush(), Math.ceil(request.window / 60)).unref();
  }

  async pause(key: string, ms: number): Promise<void> {
    // Also here, so the pause holds if Redis fails before it ends.
    await this.local.pause(key, ms);
    await this.breaker.run(
      async () => void (await this.eval(PAUSE, [pauseKey(key)], [ms])),
      () => undefined,
    );
  }

  pausedFor(key: string): Promise<number> {
    return this.breaker.run(
      async () => Number(await this.eval(PAUSED_FOR, [pauseKey(key)])),
      () => this.local.pausedFor(key),
    );
  }

  /** Sends the releases still due, and closes the connection if this store opened it. */
  async close(): Promise<void> {
    await this.flush();
    try {
      this.owned?.destroy();
    } catch {
      // never connected, or already closed
    }
  }

  /** Sends every release still due, one operation per key. */
  private async flush(): Promise<void> {
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

  /** Runs one of the log's scripts for `key`, carrying the key's releases due. */
  private log(script: string, key: string, id: string, request: OpenCxSlotRequest): Promise<unknown> {
    const keys = [`opencx:{${key}}:log`, `opencx:{${key}}:sent`, pauseKey(key)];
    const args: Array<string | number> = [request.limit, request.window, request.maxWait, id, request.maxTransit];
    const now = Date.now();
    for (const [member, ended] of this.releases.get(key)?.ended ?? []) args.push(member, now - ended);
    this.releases.delete(key);
    return this.eval(script, keys, args);
  }

  private eval(script: string, keys: string[], args: Array<string | number> = []): Promise<unknown> {
    return this.client.eval(script, { keys, arguments: args.map(String) });
  }
}
