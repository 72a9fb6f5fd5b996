import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { OpenCxRedisClient } from './redis-client.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import type {
  OpenCxFleetStore,
  OpenCxReservation,
  OpenCxSendOutcome,
  OpenCxSlotRequest,
  OpenCxStoreLookup,
} from '../store/opencx-fleet-store.interface.js';
import { monotonicNow } from '../util/clock.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { connectRedis, type OwnedRedisClient } from './redis-connection.js';
import { toEval, type RedisEval } from './redis-client.js';
import { CLAIM, EVICT, LEAVE, LOOKUP, PAUSE, PAUSED_FOR, RELEASE, RESERVE, STORE, UNLOCK } from './redis.scripts.js';

/** Options of {@link RedisFleetStore}. */
export interface RedisFleetStoreOptions {
  /**
   * How long Redis may stay silent, in ms, before the store answers from this process's memory
   * (and stops asking Redis for a few seconds). A busy process waiting on answers Redis already
   * sent is not counted as silence. Default 1000.
   */
  timeout?: number;
  /** Contacts the in-memory fallback keeps while Redis is unavailable. Default 100000. */
  maxEntries?: number;
}

const DEFAULT_TIMEOUT = 1_000;
/** How long an eviction marker lives: longer than any call that started before it (the longest `totalTimeout`). */
const EVICTION_TTL = 3_600_000;
/** Instances not heard of for this many windows are dropped from a key's fleet (presumed stopped). */
const FORGET_WINDOWS = 5;

/** A contact's token, lock and eviction keys, in one hash slot. */
const contactKeys = (key: string): [string, string, string] => [
  `opencx:{${key}}:token`,
  `opencx:{${key}}:lock`,
  `opencx:{${key}}:evicted`,
];
const limiterKeys = (key: string): [string, string, string, string] => [
  `opencx:{${key}}:log`,
  `opencx:{${key}}:sent`,
  `opencx:{${key}}:pause`,
  `opencx:{${key}}:fleet`,
];

/** What this instance knows of one limiter key. */
interface KeyState {
  request: OpenCxSlotRequest;
  /** Releases not yet sent: member → [when its request ended, how]. */
  due: Map<string, [number, OpenCxSendOutcome]>;
  /** The fleet's size as Redis last said (this instance included). */
  fleet: number;
  /** When Redis last answered an operation of this key (monotonic). */
  answeredAt: number;
  /** Whether this instance's sends made while Redis was unreachable are still to be handed to Redis. */
  importDue: boolean;
}

/**
 * The fleet store in Redis: tokens (stored `payload-hash.sealed-entry`, so a look-up compares the
 * payload without opening the entry) with each contact's lock, the sliding log and the pause,
 * shared by every instance. Every operation is one Lua script timed by the Redis server's clock,
 * behind one circuit breaker (see {@link CircuitBreaker}).
 *
 * While Redis is unreachable the store answers from this process's memory and says so through
 * `degraded`: each instance then sends at most its share of the limit (the limit divided by the
 * fleet size Redis last reported, or by `rateLimit.instances`), and only after a window and a half
 * have passed since the switch, by when the instances still reaching Redis have stopped counting on
 * its share. When Redis answers again, the sends made meanwhile are handed to it. A Redis that
 * comes back without its keys, while this instance knows the key was in use, has the window
 * counted as used. Tokens saved through Redis are kept in memory too, and served from there only
 * while Redis is unreachable.
 *
 * A slot's release is not a round trip of its own: it travels with the key's next operation from
 * this instance, or with its heartbeat (every sixth of a window while the key is in use), and at
 * `close`.
 */
export class RedisFleetStore implements OpenCxFleetStore {
  private readonly local: MemoryFleetStore;
  private readonly breaker: CircuitBreaker;
  private readonly eval: RedisEval;
  private readonly instance = randomUUID();
  private readonly keys = new Map<string, KeyState>();
  private readonly locks = new Set<string>();
  private heartbeat: NodeJS.Timeout | undefined;
  private owned: OwnedRedisClient | undefined;
  private closed = false;

  /**
   * @param client a connected node-redis, ioredis or iovalkey client or cluster the application
   *   owns (never closed here).
   */
  constructor(client: OpenCxRedisClient, options: RedisFleetStoreOptions = {}) {
    const evaluate = toEval(client);
    this.eval = (script, keys, args) => evaluate(script, keys, args.map(wholeMs));
    this.breaker = new CircuitBreaker(options.timeout ?? DEFAULT_TIMEOUT, new Logger('OpenCx:redis'), {
      opened: () => this.failOver(),
      closed: () => this.recover(),
    });
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
        const reply = (await this.eval(LOOKUP, contactKeys(key).slice(0, 2), [payload, this.instance, lockTtl])) as [
          unknown,
          unknown,
          unknown,
          unknown,
        ];
        const [hit, value, locked, now] = reply;
        if (Number(locked) === 1) this.locks.add(key);
        const stamp = Number(now);
        if (Number(hit) === 1) return { value: String(value).slice(payload.length + 1), locked: false, stamp };
        return { locked: Number(locked) === 1, stamp };
      },
      // On its own, a stamp of this process's clock (negative, so save can tell it from Redis's).
      async () => {
        const found = await this.local.lookup(key, payload);
        return { ...found, stamp: -found.stamp };
      },
    );
  }

  save(key: string, payload: string, value: string, ttlMs: number, stamp: number): Promise<void> {
    this.locks.delete(key);
    return this.breaker.run(
      async () => {
        const [token, lock, evicted] = contactKeys(key);
        const saved = await this.eval(
          STORE,
          [token, lock, evicted],
          [`${payload}.${value}`, ttlMs, this.instance, stamp],
        );
        // The copy served while Redis is unreachable: only what Redis kept (no eviction won).
        if (Number(saved) === 1) await this.local.save(key, payload, value, ttlMs, Number.POSITIVE_INFINITY);
      },
      // A look-up stamped by Redis cannot be compared with this process's clock: keep nothing.
      () => (stamp < 0 ? this.local.save(key, payload, value, ttlMs, -stamp) : undefined),
    );
  }

  async unlock(key: string): Promise<void> {
    this.locks.delete(key);
    await this.breaker.run(
      () => this.eval(UNLOCK, [contactKeys(key)[1]], [this.instance]),
      () => 0,
    );
  }

  /** Gone from Redis and from memory, or a rejection: an eviction that did not reach the fleet must say so. */
  async evict(key: string): Promise<void> {
    await this.local.evict(key);
    const [token, , evicted] = contactKeys(key);
    await this.breaker.require(() => this.eval(EVICT, [token, evicted], [EVICTION_TTL]));
  }

  reserve(key: string, id: string, request: OpenCxSlotRequest): Promise<OpenCxReservation> {
    return this.breaker.run(
      async () => {
        const [granted, waitMs] = (await this.log(RESERVE, key, id, request)) as [unknown, unknown];
        const reservation = { granted: Number(granted) === 1, waitMs: Number(waitMs) };
        if (reservation.granted && reservation.waitMs <= 0) this.local.recordSend(key, id, request);
        return reservation;
      },
      () => this.local.reserve(key, id, this.ownShare(key, request)),
    );
  }

  claim(key: string, id: string, request: OpenCxSlotRequest): Promise<number> {
    return this.breaker.run(
      async () => {
        const [reply] = (await this.log(CLAIM, key, id, request)) as [unknown];
        const waitMs = Number(reply);
        if (waitMs <= 0) this.local.recordSend(key, id, request);
        return waitMs;
      },
      () => this.local.claim(key, id, this.ownShare(key, request)),
    );
  }

  async release(key: string, id: string, request: OpenCxSlotRequest, outcome: OpenCxSendOutcome): Promise<void> {
    await this.local.release(key, id, request, outcome);
    // While Redis is skipped nothing would carry the release; the send expires with its maxTransit.
    if (this.breaker.isOpen) return;
    this.state(key, request).due.set(id, [monotonicNow(), outcome]);
    this.startHeartbeat(request.window);
  }

  async pause(key: string, ms: number): Promise<void> {
    // Also here, so the pause holds if Redis fails before it ends.
    await this.local.pause(key, ms);
    await this.breaker.run(
      async () => void (await this.eval(PAUSE, [limiterKeys(key)[2]], [ms])),
      () => undefined,
    );
  }

  pausedFor(key: string): Promise<number> {
    const maxPause = this.keys.get(key)?.request.maxPause ?? DEFAULT_MAX_PAUSE;
    return this.breaker.run(
      async () => Number(await this.eval(PAUSED_FOR, [limiterKeys(key)[2]], [maxPause])),
      () => this.local.pausedFor(key),
    );
  }

  /** Sends the releases still due, leaves the fleet, and closes the connection if this store opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    await this.beat();
    await Promise.all(
      [...this.keys.keys()].map((key) =>
        this.breaker.run(
          () => this.eval(LEAVE, [limiterKeys(key)[3]], [this.instance]),
          () => undefined,
        ),
      ),
    );
    try {
      this.owned?.destroy();
    } catch {
      // never connected, or already closed
    }
  }

  /** This instance's share while on its own: the limit over the fleet Redis last reported, never more than `localLimit`. */
  private ownShare(key: string, request: OpenCxSlotRequest): OpenCxSlotRequest {
    const fleet = this.keys.get(key)?.fleet ?? 1;
    return { ...request, localLimit: Math.min(request.localLimit, Math.max(1, Math.floor(request.limit / fleet))) };
  }

  private state(key: string, request: OpenCxSlotRequest): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { request, due: new Map(), fleet: 0, answeredAt: Number.NEGATIVE_INFINITY, importDue: false };
      this.keys.set(key, state);
    }
    state.request = request;
    return state;
  }

  /**
   * Redis was judged unreachable. This instance's own sends are in its memory already. When it is
   * not alone, the others keep counting on its share until they have not heard of it for half a
   * window: so its log counts its share as used until then, and it sends nothing on its own for a
   * window and a half. Locks it holds are released if Redis can still take it (a busy process, not
   * a dead Redis), else they expire with their call.
   */
  private failOver(): void {
    for (const [key, state] of this.keys) {
      if (state.fleet <= 1) continue;
      const share = this.ownShare(key, state.request);
      this.local.assumeSent(key, share.localLimit, share, monotonicNow() + staleAfter(state.request.window));
    }
    for (const key of this.locks) void this.eval(UNLOCK, [contactKeys(key)[1]], [this.instance]).catch(() => undefined);
    this.locks.clear();
  }

  /** Redis answers again: the sends made meanwhile travel with each key's next operation. */
  private recover(): void {
    for (const state of this.keys.values()) state.importDue = true;
  }

  /** Runs one of the log's scripts for `key`, carrying the key's releases due, and learns the fleet's size. */
  private async log(script: string, key: string, id: string, request: OpenCxSlotRequest): Promise<unknown[]> {
    const state = this.state(key, request);
    const now = monotonicNow();
    const args: Array<string | number> = [
      request.limit,
      request.window,
      request.maxWait,
      id,
      request.maxTransit,
      this.instance,
      staleAfter(request.window),
      FORGET_WINDOWS * request.window,
      request.maxPause,
      state.fleet,
      now - state.answeredAt,
    ];
    for (const [member, [ended, outcome]] of state.due)
      args.push(member, now - ended, outcome === 'abandoned' ? 'a' : 'e');
    const imported = state.importDue ? this.local.recentSends(key, request.window) : [];
    // Under their own ids: a send Redis counted already is only re-timed, never counted twice.
    for (const [member, ago] of imported) args.push(member, ago, 'i');
    const due = new Map(state.due);
    state.due.clear();
    this.startHeartbeat(request.window);
    try {
      const reply = (await this.eval(script, limiterKeys(key), args)) as unknown[];
      const lost = Number(reply.at(-2)) === 1;
      state.importDue = false;
      state.answeredAt = monotonicNow();
      const fleet = Number(reply.at(-1));
      if (Number.isInteger(fleet) && fleet > 0) state.fleet = fleet;
      // Redis lost the key's state: this instance's own sends go back to it, before anything is granted.
      if (lost && imported.length === 0 && this.local.recentSends(key, request.window).length > 0) {
        state.importDue = true;
        return await this.log(script, key, id, request);
      }
      return reply;
    } catch (error) {
      // Not carried: the releases go with the next operation.
      for (const [member, entry] of due) if (!state.due.has(member)) state.due.set(member, entry);
      throw error;
    }
  }

  /** Every sixth of a window while keys are in use: releases due, and "this instance is here". */
  private startHeartbeat(window: number): void {
    if (this.heartbeat || this.closed) return;
    this.heartbeat = setInterval(() => void this.beat(), Math.max(50, Math.floor(staleAfter(window) / 3))).unref();
  }

  private async beat(): Promise<void> {
    const now = monotonicNow();
    await Promise.all(
      [...this.keys].map(([key, state]) => {
        // A key unused for the forget period is dropped: the fleet has forgotten this instance too.
        if (now - state.answeredAt > FORGET_WINDOWS * state.request.window && state.due.size === 0) {
          this.keys.delete(key);
          return Promise.resolve();
        }
        return this.breaker.run(
          () => this.log(RELEASE, key, '', state.request),
          () => undefined,
        );
      }),
    );
    if (this.keys.size === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }
}

/** The longest a pause may be read as when no limiter request told the store (`maxRetryAfter`'s default). */
const DEFAULT_MAX_PAUSE = 60_000;

/** A number as whole ms for Lua (the server counts in ms; "Infinity" would not parse), text as is. */
function wholeMs(value: string | number): string | number {
  return typeof value === 'number'
    ? Math.round(Math.min(Math.max(value, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER))
    : value;
}

/** After how long without news of an instance the others leave its share to it: half a window. */
function staleAfter(window: number): number {
  return Math.ceil(window / 2);
}
