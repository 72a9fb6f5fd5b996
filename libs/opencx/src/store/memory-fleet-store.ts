import { monotonicNow } from '../util/clock.js';
import type {
  OpenCxFleetStore,
  OpenCxReservation,
  OpenCxSendOutcome,
  OpenCxSlotRequest,
  OpenCxStoreLookup,
} from './opencx-fleet-store.interface.js';

/** Id prefix of sends counted by assumption (see `assumeSent`). */
const ASSUMED = 'assumed:';

/** Contacts a `MemoryFleetStore` keeps when not told otherwise (see the `cache.maxEntries` option). */
const DEFAULT_MAX_ENTRIES = 100_000;

/** The earliest time at or after `now` that puts at most `limit` of these times in any `window`. */
export function earliestSlot(times: readonly number[], now: number, limit: number, window: number): number {
  if (times.length < limit) return now;
  const sorted = times.toSorted((a, b) => a - b);
  return Math.max(now, (sorted[sorted.length - limit] ?? now) + window);
}

/**
 * A key's log: booked (or sent) time per call id, and for calls sent, the time they count from:
 * their end, or while in transit the latest they may still arrive (they count as arriving now
 * until then).
 */
interface KeyLog {
  plan: Map<string, number>;
  sends: Map<string, number>;
}

/**
 * The fleet store of one process, and the default: tokens in an LRU of at most `maxEntries`
 * contacts (a `Map` keeps insertion order, so moving an entry to the end on each read makes its
 * first key the least recently used), the sliding log and the pauses in maps. Its lock is always
 * free: single-flight within the process already makes one call per contact. Every time is on a
 * monotonic clock, so a wall-clock step changes nothing.
 */
export class MemoryFleetStore implements OpenCxFleetStore {
  private readonly entries = new Map<string, { payload: string; value: string; expiresAt: number }>();
  private readonly evictedAt = new Map<string, number>();
  private readonly logs = new Map<string, KeyLog>();
  private readonly pauses = new Map<string, number>();

  /** @param maxEntries contacts kept before the least recently used goes. Default 100000. */
  constructor(private readonly maxEntries: number = DEFAULT_MAX_ENTRIES) {}

  /** Never degraded: it has no back end to lose. */
  readonly degraded = false;

  lookup(key: string, payload: string): Promise<OpenCxStoreLookup> {
    const now = monotonicNow();
    const item = this.entries.get(key);
    this.entries.delete(key);
    const live = item && item.expiresAt > now ? item : undefined;
    if (live) this.entries.set(key, live);
    return Promise.resolve({ value: live?.payload === payload ? live.value : undefined, locked: true, stamp: now });
  }

  save(key: string, payload: string, value: string, ttlMs: number, stamp: number): Promise<void> {
    // Evicted after the look-up: the answer may be the evicted contact's, so it is not kept.
    const evicted = this.evictedAt.get(key);
    if (evicted !== undefined && evicted >= stamp) return Promise.resolve();
    const now = monotonicNow();
    this.entries.delete(key);
    this.entries.set(key, { payload, value, expiresAt: now + ttlMs });
    // The least recently used go first: expired ones at the front, then the oldest if still full.
    for (const [oldest, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return Promise.resolve();
  }

  unlock(): Promise<void> {
    return Promise.resolve();
  }

  evict(key: string): Promise<void> {
    this.entries.delete(key);
    this.evictedAt.delete(key);
    // Bounded like the entries: an eviction older than any call in flight no longer matters.
    this.evictedAt.set(key, monotonicNow());
    if (this.evictedAt.size > this.maxEntries) {
      for (const oldest of this.evictedAt.keys()) {
        this.evictedAt.delete(oldest);
        break;
      }
    }
    return Promise.resolve();
  }

  reserve(key: string, id: string, request: OpenCxSlotRequest): Promise<OpenCxReservation> {
    const now = monotonicNow();
    const log = this.live(key, now, request.window);
    const planned = earliestSlot([...log.plan.values()], now, request.localLimit, request.window);
    const at = Math.max(planned, this.sendSlot(key, log, now, request));
    if (at - now > request.maxWait) return Promise.resolve({ granted: false, waitMs: at - now });
    this.book(log, id, at, now, request);
    return Promise.resolve({ granted: true, waitMs: at - now });
  }

  claim(key: string, id: string, request: OpenCxSlotRequest): Promise<number> {
    const now = monotonicNow();
    const log = this.live(key, now, request.window);
    const at = this.sendSlot(key, log, now, request);
    this.book(log, id, at, now, request);
    return Promise.resolve(at - now);
  }

  release(key: string, id: string, request: OpenCxSlotRequest, outcome: OpenCxSendOutcome): Promise<void> {
    const log = this.logs.get(key);
    if (log?.sends.has(id)) {
      const now = monotonicNow();
      // An abandoned request may still arrive: in transit for as long again as it was allowed.
      const at = outcome === 'abandoned' ? now + request.maxTransit : now;
      log.sends.set(id, at);
      log.plan.set(id, at);
    } else log?.plan.delete(id);
    if (log?.plan.size === 0 && log.sends.size === 0) this.logs.delete(key);
    return Promise.resolve();
  }

  pause(key: string, ms: number): Promise<void> {
    const until = monotonicNow() + ms;
    if (until > this.pauseEnd(key)) this.pauses.set(key, until);
    return Promise.resolve();
  }

  pausedFor(key: string): Promise<number> {
    const left = this.pauseEnd(key) - monotonicNow();
    if (left <= 0) this.pauses.delete(key);
    return Promise.resolve(Math.max(0, left));
  }

  /**
   * Counts `count` sends for `key` as made at `at` (now or later), without their being real: for a
   * fallback taking over from a shared store, which cannot know what the fleet sent just before.
   */
  assumeSent(key: string, count: number, request: OpenCxSlotRequest, at: number): void {
    const log = this.live(key, monotonicNow(), request.window);
    for (let i = 0; i < count; i++) {
      const id = `${ASSUMED}${at}:${i}`;
      log.plan.set(id, at);
      log.sends.set(id, at);
    }
  }

  /** Counts `id` as sent now (a send another store granted), so this store can take over from it. */
  recordSend(key: string, id: string, request: OpenCxSlotRequest): void {
    const now = monotonicNow();
    this.book(this.live(key, now, request.window), id, now, now, request);
  }

  /** The real sends of `key` this store counted, with ms since each (less than a window): for handing them on. */
  recentSends(key: string, window: number): Array<[id: string, ago: number]> {
    const now = monotonicNow();
    return [...(this.logs.get(key)?.sends ?? [])]
      .filter(([id]) => !id.startsWith(ASSUMED))
      .map(([id, at]): [string, number] => [id, now - Math.min(at, now)])
      .filter(([, ago]) => ago < window);
  }

  private pauseEnd(key: string): number {
    return this.pauses.get(key) ?? 0;
  }

  /** The earliest send the sends and the pause allow; a request in transit counts as reaching OpenCX now. */
  private sendSlot(key: string, log: KeyLog, now: number, { localLimit, window }: OpenCxSlotRequest): number {
    const times = [...log.sends.values()].map((at) => Math.min(at, now));
    return Math.max(earliestSlot(times, now, localLimit, window), this.pauseEnd(key));
  }

  private book(log: KeyLog, id: string, at: number, now: number, request: OpenCxSlotRequest): void {
    log.plan.set(id, at);
    // Sent now: in transit until it ends, or until the latest it may still arrive.
    if (at <= now) log.sends.set(id, now + request.maxTransit);
  }

  /** The key's log without what has left the window. */
  private live(key: string, now: number, window: number): KeyLog {
    const log = this.logs.get(key) ?? { plan: new Map(), sends: new Map() };
    for (const entries of [log.plan, log.sends])
      for (const [id, at] of entries) if (at <= now - window) entries.delete(id);
    this.logs.set(key, log);
    return log;
  }
}
