import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import type { OpenCxStoreLookup } from '../store/opencx-fleet-store.interface.js';
import { monotonicNow } from '../util/clock.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { EVICT, EVICT_NOTE, LOOKUP, NOTE, NOTED, STORE, UNLOCK } from './contact.scripts.js';
import { wholeMs } from './lua.js';
import type { RunScript } from './redis-client.js';
import type { RedisKeys } from './redis-keys.js';

/** How long an eviction marker lives: longer than any call that started before it (the longest `totalTimeout`). */
const EVICTION_TTL = 3_600_000;
/**
 * An eviction counts from this long after its script ran: look-ups and evictions read fleet time
 * from the server's clock, exactly, unless a step of that clock since the last heartbeat made one
 * fall back on its instance's estimate (off by a tolerance and half a round trip).
 */
const EVICTION_MARGIN = 500;

/** What the contacts' side needs of its store beyond Redis. */
export interface FleetContactsParts {
  run: RunScript;
  breaker: CircuitBreaker;
  names: RedisKeys;
  /** This instance's id: the owner of the locks it takes. */
  instance: string;
  /** Contacts kept in memory while Redis is unreachable. */
  maxEntries: number;
  /** Resolves true once the fleet clock is anchored (a heartbeat first if need be), false when it cannot be. */
  ready: () => Promise<boolean>;
  /** The arguments by which a script reads fleet time (see fleetNow). */
  time: () => Array<string | number>;
}

/**
 * The token cache's side of the Redis store: each contact's sealed entry, lock and eviction marker
 * in Redis, and while Redis is unreachable this process's memory. A token saved through Redis is
 * never served from memory (another instance may have evicted it through Redis); those saved while
 * Redis was out are, until it answers again.
 *
 * A look-up Redis did not answer in time may still run there later (a client with an offline queue
 * sends it on reconnection) and take the contact's lock for a call that has gone on without it: its
 * lock is released at once (queued behind it), and again once Redis answers.
 */
export class FleetContacts {
  /** Locks this instance took through Redis and has not released yet. */
  private readonly locks = new Set<string>();
  /** Locks a look-up that fell back may still take in Redis. */
  private readonly strayLocks = new Set<string>();
  /** Tokens saved while Redis was unreachable, served only until it answers again. */
  private tokens: MemoryFleetStore;
  /** When Redis last answered again after an outage (monotonic ms): a look-up from before it saves nothing here. */
  private recoveredAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly parts: FleetContactsParts) {
    this.tokens = new MemoryFleetStore(parts.maxEntries);
  }

  async lookup(key: string, payload: string, lockTtl: number): Promise<OpenCxStoreLookup> {
    // On its own, a stamp of this process's clock (negative, so save can tell it from the fleet's).
    const alone = async (): Promise<OpenCxStoreLookup> => {
      const found = await this.tokens.lookup(key, payload, lockTtl);
      return { ...found, stamp: -found.stamp };
    };
    if (!(await this.parts.ready())) return alone();
    let sent = false;
    return this.parts.breaker.run(
      async () => {
        const { token, lock } = this.parts.names.contact(key);
        const args = [payload, this.parts.instance, Math.max(1, Math.round(lockTtl)), ...this.parts.time()];
        sent = true;
        const reply = await this.parts.run(LOOKUP, [token, lock], args);
        const [hit, value, locked, now] = Array.isArray(reply) ? reply : [];
        // Never a negative stamp (those are this process's own, for a look-up made without Redis).
        const stamp = Math.max(0, Number(now) || 0);
        if (Number(locked) === 1) this.locks.add(key);
        if (Number(hit) === 1) return { value: String(value).slice(payload.length + 1), locked: false, stamp };
        return { locked: Number(locked) === 1, stamp };
      },
      () => {
        if (sent) this.stray(key);
        return alone();
      },
    );
  }

  async save(key: string, payload: string, value: string, ttlMs: number, stamp: number): Promise<void> {
    this.locks.delete(key);
    // A look-up stamped by the fleet cannot be compared with this process's clock, nor one from
    // before Redis answered again (the fleet may have evicted the contact meanwhile): keep nothing.
    const alone = () =>
      stamp < 0 && -stamp > this.recoveredAt ? this.tokens.save(key, payload, value, ttlMs, -stamp) : undefined;
    if (!(await this.parts.ready())) return alone();
    return this.parts.breaker.run(async () => {
      const { token, lock, evicted } = this.parts.names.contact(key);
      const args = [`${payload}.${value}`, wholeMs(ttlMs), this.parts.instance, wholeMs(stamp), EVICTION_TTL];
      await this.parts.run(STORE, [token, lock, evicted], args);
    }, alone);
  }

  async unlock(key: string): Promise<void> {
    this.locks.delete(key);
    await this.parts.breaker.run(
      () => this.parts.run(UNLOCK, [this.parts.names.contact(key).lock], [this.parts.instance]),
      () => 0,
    );
  }

  /** Gone from Redis and from memory, or a rejection: an eviction that did not reach the fleet must say so. */
  async evict(key: string): Promise<void> {
    await this.tokens.evict(key);
    if (!(await this.parts.ready())) throw new Error('Redis is unavailable');
    const { token, evicted } = this.parts.names.contact(key);
    const args = [EVICTION_MARGIN, EVICTION_TTL, ...this.parts.time()];
    await this.parts.breaker.require(() => this.parts.run(EVICT, [token, evicted], args));
  }

  /**
   * Adds `member` to the note at `key` (see OpenCxFleetStore.note). As save: a look-up made without
   * Redis notes in memory only (no copy of a token saved through Redis is served from memory).
   */
  async note(key: string, member: string, ttlMs: number, stamp: number): Promise<boolean> {
    const alone = () => stamp < 0 && -stamp > this.recoveredAt && this.tokens.note(key, member, ttlMs, -stamp);
    if (!(await this.parts.ready())) return alone();
    return this.parts.breaker.run(async () => {
      const { note, evicted } = this.parts.names.contact(key);
      const args = [member, wholeMs(ttlMs), wholeMs(stamp), EVICTION_TTL];
      return Number(await this.parts.run(NOTE, [note, evicted], args)) === 1;
    }, alone);
  }

  /** Whether the note names `member`: in Redis, or while it is unreachable, in memory. */
  async noted(key: string, member: string): Promise<boolean> {
    const alone = () => this.tokens.noted(key, member);
    if (!(await this.parts.ready())) return alone();
    return this.parts.breaker.run(
      async () => Number(await this.parts.run(NOTED, [this.parts.names.contact(key).note], [member])) === 1,
      alone,
    );
  }

  /** As {@link evict}: the members noted in Redis and in memory, or a rejection. */
  async evictNote(key: string): Promise<string[]> {
    const here = await this.tokens.evictNote(key);
    // Its tokens saved in memory go all the same, as evict's do, before any rejection.
    await Promise.all(here.map((member) => this.tokens.evict(member)));
    if (!(await this.parts.ready())) throw new Error('Redis is unavailable');
    const { note, evicted } = this.parts.names.contact(key);
    const args = [EVICTION_MARGIN, EVICTION_TTL, ...this.parts.time()];
    const reply = await this.parts.breaker.require(() => this.parts.run(EVICT_NOTE, [note, evicted], args));
    return [...new Set([...here, ...(Array.isArray(reply) ? reply.map(String) : [])])];
  }

  /**
   * Redis was judged unreachable: the locks this instance holds are released if Redis can still take
   * it (a busy process, not a dead Redis), else they expire with their call.
   */
  failOver(): void {
    for (const key of this.locks) this.release(key);
    this.locks.clear();
  }

  /**
   * Redis answers (again, or for the first time): what this process saved on its own is forgotten
   * (another instance may evict a contact through Redis from now on, and this process would not
   * hear of it in a later outage), and locks stray look-ups may have taken are released.
   */
  recover(): void {
    this.recoveredAt = monotonicNow();
    this.tokens = new MemoryFleetStore(this.parts.maxEntries);
    for (const key of this.strayLocks) this.release(key);
    this.strayLocks.clear();
  }

  /** A look-up of `key` fell back after it was sent: Redis may run it later, and take the lock. */
  private stray(key: string): void {
    this.strayLocks.add(key);
    this.release(key);
  }

  /** Releases this instance's lock on `key` in Redis, if it gets there; nobody waits for it. */
  private release(key: string): void {
    void this.parts.run(UNLOCK, [this.parts.names.contact(key).lock], [this.parts.instance]).catch(() => undefined);
  }
}
