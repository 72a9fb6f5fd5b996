import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
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
import { FleetClock } from './fleet-clock.js';
import { FleetContacts } from './fleet-contacts.js';
import { FleetLimiter } from './fleet-limiter.js';
import { BEAT } from './fleet.scripts.js';
import { wholeMs } from './lua.js';
import { scriptRunner, type OpenCxRedisClient, type RunScript } from './redis-client.js';
import { connectRedis, type OwnedRedisClient } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { checked, type RedisFleetStoreOptions } from './redis-store-options.js';

/** Heartbeats missed before a member is dropped from the fleet. */
const FORGET_BEATS = 3;
/** Slack added to the waits derived from the heartbeat and the timeout. */
const MARGIN = 500;
/** How long a client may take to reconnect after Redis is back (node-redis's, ioredis's and this store's own backoff cap about there). */
const RECONNECT = 1_000;
/**
 * The fleet store in Redis: tokens (stored `payload-hash.sealed-entry`, so a look-up compares the
 * payload without opening the entry) with each contact's lock, the sliding log and the pause,
 * shared by every instance. Every operation is one Lua script run by its SHA-1, behind one circuit
 * breaker; every key written has a TTL, and a bad value at a key is that key's problem.
 *
 * Time is the fleet's: a heartbeat every `heartbeat` ms reads the server's clock (the only script
 * that does), tells the fleet this instance is there and learns its size; every other script takes
 * its time from this instance's estimate. A step of the server's clock moves nothing.
 *
 * While Redis is unreachable the store answers from this process's memory and says so through
 * `degraded` (also from start-up until Redis first answers): see `FleetLimiter` (fleet-limiter.ts) for how the
 * limit holds meanwhile. Tokens saved through Redis are never served from memory (another instance
 * may have evicted them through Redis); those saved meanwhile are, until Redis answers again.
 */
export class RedisFleetStore implements OpenCxFleetStore {
  private readonly local: MemoryFleetStore;
  private readonly contacts: FleetContacts;
  private readonly breaker: CircuitBreaker;
  private readonly run: RunScript;
  private readonly names: RedisKeys;
  private readonly clock: FleetClock;
  private readonly limiter: FleetLimiter;
  private readonly instance = randomUUID();
  private readonly timer: NodeJS.Timeout;
  private beating: Promise<void> | undefined;
  private answered = false;
  private owned: OwnedRedisClient | undefined;
  private closed = false;

  /**
   * @param client a connected node-redis, ioredis or iovalkey client or cluster the application
   *   owns (never closed here). Any other object is an OpenCxConfigurationError.
   */
  constructor(client: OpenCxRedisClient, options: RedisFleetStoreOptions = {}) {
    const { timeout, maxEntries, heartbeat, prefix } = checked(options);
    this.run = scriptRunner(client);
    this.names = new RedisKeys(prefix);
    this.local = new MemoryFleetStore(maxEntries);
    this.clock = new FleetClock({ heartbeat, forget: FORGET_BEATS * heartbeat, timeout });
    this.breaker = new CircuitBreaker(timeout, heartbeat, new Logger('OpenCx:redis'), {
      opened: (sentAt) => this.failOver(sentAt),
      closed: () => {
        this.contacts.recover();
        void this.limiter.recover();
      },
    });
    this.limiter = new FleetLimiter({
      run: this.run,
      breaker: this.breaker,
      clock: this.clock,
      local: this.local,
      names: this.names,
      instance: this.instance,
      ready: () => this.ready(),
      time: () => this.timeArguments(),
      // Every live instance has reconnected, beaten, and handed its sends back, by then.
      holdSeconds: Math.ceil((RECONNECT + heartbeat + timeout + MARGIN) / 1_000),
      settleMs: RECONNECT + 2 * heartbeat + timeout + MARGIN,
    });
    this.contacts = new FleetContacts({
      run: this.run,
      breaker: this.breaker,
      names: this.names,
      instance: this.instance,
      maxEntries,
      ready: () => this.ready(),
      time: () => this.timeArguments(),
    });
    // Eager: the fleet's size is known before any call, and an unreachable Redis is said at start-up.
    this.timer = setInterval(() => void this.beat(), heartbeat).unref();
    void this.beat();
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

  /** Whether this instance works on its own share: Redis has not answered yet, or failed and has not answered a trial since. */
  get degraded(): boolean {
    return !this.answered || this.breaker.tripped;
  }

  lookup(key: string, payload: string, lockTtl: number): Promise<OpenCxStoreLookup> {
    return this.contacts.lookup(key, payload, lockTtl);
  }

  save(key: string, payload: string, value: string, ttlMs: number, stamp: number): Promise<void> {
    return this.contacts.save(key, payload, value, ttlMs, stamp);
  }

  unlock(key: string): Promise<void> {
    return this.contacts.unlock(key);
  }

  /** Gone from Redis and from memory, or a rejection: an eviction that did not reach the fleet must say so. */
  evict(key: string): Promise<void> {
    return this.contacts.evict(key);
  }

  note(key: string, member: string, ttlMs: number, stamp: number): Promise<boolean> {
    return this.contacts.note(key, member, ttlMs, stamp);
  }

  noted(key: string, member: string): Promise<boolean> {
    return this.contacts.noted(key, member);
  }

  /** As {@link evict}: the members noted in Redis and in memory, or a rejection. */
  evictNote(key: string): Promise<string[]> {
    return this.contacts.evictNote(key);
  }

  reserve(key: string, id: string, request: OpenCxSlotRequest): Promise<OpenCxReservation> {
    return this.limiter.reserve(key, id, request);
  }

  claim(key: string, id: string, request: OpenCxSlotRequest): Promise<number> {
    return this.limiter.claim(key, id, request);
  }

  release(key: string, id: string, request: OpenCxSlotRequest, outcome: OpenCxSendOutcome): Promise<void> {
    return this.limiter.release(key, id, request, outcome);
  }

  pause(key: string, ms: number): Promise<void> {
    return this.limiter.pause(key, wholeMs(ms));
  }

  pausedFor(key: string): Promise<number> {
    return this.limiter.pausedFor(key);
  }

  /** Sends the releases still due, leaves the fleet, and closes the connection if this store opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.beating;
    await this.limiter.flush();
    if (this.clock.anchored) await this.beat(true);
    try {
      this.owned?.destroy();
    } catch {
      // never connected, or already closed
    }
  }

  /** The arguments by which a script reads fleet time (see fleetNow). */
  private timeArguments(): Array<string | number> {
    const { offset, below, above } = this.clock.scriptTime();
    return [this.clock.at(monotonicNow()), offset, below, above];
  }

  /** Keys of the limiter this instance keeps state for (an idle instance forgets them). */
  get limiterKeysKept(): number {
    return this.limiter.keysKept;
  }

  /** Whether the fleet clock is anchored, with a heartbeat first if it is not. */
  private async ready(): Promise<boolean> {
    if (!this.clock.anchored && !this.breaker.isOpen) await this.beat();
    return this.clock.anchored;
  }

  /** One heartbeat (shared by whoever asks while it runs): membership, fleet time and size; the breaker's trial after an outage. */
  private beat(leaving = false): Promise<void> {
    if (this.beating && !leaving) return this.beating;
    const beating: Promise<void> = (async () => {
      const sentAt = monotonicNow();
      const { clock, members, departed } = this.names.fleet();
      const reply = await this.breaker.run(
        () => this.run(BEAT, [clock, members, departed], [this.instance, ...this.clock.beatArguments(sentAt, leaving)]),
        () => undefined,
      );
      const learnt = reply === undefined ? undefined : this.clock.learn(reply, sentAt, monotonicNow());
      if (learnt && !this.answered) {
        // Redis answers for the first time: what was saved before, on this process's own, is forgotten.
        this.contacts.recover();
        this.answered = true;
      }
      // The fleet's state is gone (a restart, a flush): what this instance sent in the window goes back.
      if (learnt?.lost && !leaving) await this.limiter.handBack();
      this.limiter.forgetIdle();
    })().finally(() => {
      if (this.beating === beating) this.beating = undefined;
    });
    this.beating = beating;
    return beating;
  }

  /** Redis was judged unreachable by an operation sent at `sentAt`. */
  private failOver(sentAt: number): void {
    this.limiter.failOver(sentAt);
    this.contacts.failOver();
  }
}
