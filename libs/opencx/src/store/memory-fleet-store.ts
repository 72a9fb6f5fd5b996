import type {
  OpenCxFleetStore,
  OpenCxReservation,
  OpenCxSlotRequest,
  OpenCxStoreLookup,
} from './opencx-fleet-store.interface.js';

/** Contacts a `MemoryFleetStore` keeps when not told otherwise (see the `cache.maxEntries` option). */
const DEFAULT_MAX_ENTRIES = 100_000;

/** The earliest time at or after `now` that puts at most `limit` of these times in any `window`. */
export function earliestSlot(times: readonly number[], now: number, limit: number, window: number): number {
  if (times.length < limit) return now;
  const sorted = times.toSorted((a, b) => a - b);
  return Math.max(now, (sorted[sorted.length - limit] ?? now) + window);
}

/** A key's log: booked (or sent) time per call id, and for calls sent, when their request ended. */
interface KeyLog {
  plan: Map<string, number>;
  /** Infinity while the request is in transit: it may reach OpenCX at any time until it ends. */
  sends: Map<string, number>;
}

/**
 * The fleet store of one process, and the default: tokens in an LRU of at most `maxEntries`
 * contacts (a `Map` keeps insertion order, so moving an entry to the end on each read makes its
 * first key the least recently used), the sliding log and the pauses in maps. Its lock is always
 * free: single-flight within the process already makes one call per contact.
 */
export class MemoryFleetStore implements OpenCxFleetStore {
  private readonly entries = new Map<string, { payload: string; value: string; expiresAt: number }>();
  private readonly logs = new Map<string, KeyLog>();
  private readonly pauses = new Map<string, number>();

  /** @param maxEntries contacts kept before the least recently used goes. Default 100000. */
  constructor(private readonly maxEntries: number = DEFAULT_MAX_ENTRIES) {}

  /** Never degraded: it has no back end to lose. */
  readonly degraded = false;

  lookup(key: string, payload: string): Promise<OpenCxStoreLookup> {
    const item = this.entries.get(key);
    this.entries.delete(key);
    const live = item && item.expiresAt > Date.now() ? item : undefined;
    if (live) this.entries.set(key, live);
    return Promise.resolve({ value: live?.payload === payload ? live.value : undefined, locked: true });
  }

  save(key: string, payload: string, value: string, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { payload, value, expiresAt: Date.now() + ttlMs });
    if (this.entries.size > this.maxEntries) {
      for (const oldest of this.entries.keys()) {
        this.entries.delete(oldest);
        break;
      }
    }
    return Promise.resolve();
  }

  unlock(): Promise<void> {
    return Promise.resolve();
  }

  evict(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  reserve(key: string, id: string, request: OpenCxSlotRequest): Promise<OpenCxReservation> {
    const now = Date.now();
    const log = this.live(key, now, request.window);
    const planned = earliestSlot([...log.plan.values()], now, request.localLimit, request.window);
    const at = Math.max(planned, this.sendSlot(key, log, now, request));
    if (at - now > request.maxWait) return Promise.resolve({ granted: false, waitMs: at - now });
    this.book(log, id, at, now);
    return Promise.resolve({ granted: true, waitMs: at - now });
  }

  claim(key: string, id: string, request: OpenCxSlotRequest): Promise<number> {
    const now = Date.now();
    const log = this.live(key, now, request.window);
    const at = this.sendSlot(key, log, now, request);
    this.book(log, id, at, now);
    return Promise.resolve(at - now);
  }

  release(key: string, id: string): Promise<void> {
    const log = this.logs.get(key);
    if (log?.sends.has(id)) {
      const now = Date.now();
      log.sends.set(id, now);
      log.plan.set(id, now);
    } else log?.plan.delete(id);
    if (log?.plan.size === 0 && log.sends.size === 0) this.logs.delete(key);
    return Promise.resolve();
  }

  pause(key: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    if (until > this.pauseEnd(key)) this.pauses.set(key, until);
    return Promise.resolve();
  }

  pausedFor(key: string): Promise<number> {
    const left = this.pauseEnd(key) - Date.now();
    if (left <= 0) this.pauses.delete(key);
    return Promise.resolve(Math.max(0, left));
  }

  private pauseEnd(key: string): number {
    return this.pauses.get(key) ?? 0;
  }

  /** The earliest send the sends and the pause allow; a request in transit counts as reaching OpenCX now. */
  private sendSlot(key: string, log: KeyLog, now: number, { localLimit, window }: OpenCxSlotRequest): number {
    const times = [...log.sends.values()].map((end) => Math.min(end, now));
    return Math.max(earliestSlot(times, now, localLimit, window), this.pauseEnd(key));
  }

  private book(log: KeyLog, id: string, at: number, now: number): void {
    log.plan.set(id, at);
    if (at <= now) log.sends.set(id, Number.POSITIVE_INFINITY);
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
