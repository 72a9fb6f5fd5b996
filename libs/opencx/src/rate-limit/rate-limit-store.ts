/** One limiter request: at most `limit` sends in any `window` ms, waiting at most `maxWait` ms. */
export interface ReserveRequest {
  /** The fleet-wide limit (used by a shared store). */
  limit: number;
  /** This instance's share, used by the in-memory store and by a shared store's fallback. */
  localLimit: number;
  window: number;
  maxWait: number;
  /**
   * The longest a send may stay in transit (its call's time left). A shared store counts a send
   * whose end it never hears of (its instance stopped) as ended after this long.
   */
  maxTransit: number;
}

/** A reservation's outcome: granted with the ms to wait before claiming, or refused with the wait it would have needed. */
export interface Reservation {
  granted: boolean;
  /** 0 when the send is claimed at once; else the ms to wait before {@link RateLimitStore.claim}. */
  waitMs: number;
}

/**
 * A sliding log of sends per key, in two parts: the plan (every booked, sent and finished call)
 * and the sends (calls that went out: in transit, counted as reaching OpenCX now, then timed by
 * when their request ended). OpenCX receives a request after it is sent and before its answer
 * comes back, so a send timed so is counted too late, never too early: checked against the
 * sends just before it goes out, a call keeps every `window`-long interval at OpenCX within
 * `limit` however long requests take in transit.
 *
 * - `reserve` books the earliest time in the plan that keeps it within `limit`, refusing when
 *   that is more than `maxWait` away (nothing is booked that will not be used); a free slot now
 *   is claimed at once.
 * - `claim`, when the booked time comes, sends if the sends allow it, or moves the booking to
 *   the time they will and says how long to wait.
 * - `release`, when the call ends, times its send by now, or drops a booking never sent.
 *
 * Pauses (after an upstream 429) only ever lengthen, hold back claims as well as bookings, and
 * never touch the log: what was counted stays counted.
 */
export interface RateLimitStore {
  reserve(key: string, id: string, request: ReserveRequest): Promise<Reservation>;
  /** 0 when `id` may send now (and is counted as sent); else the ms to wait before claiming again. */
  claim(key: string, id: string, request: ReserveRequest): Promise<number>;
  release(key: string, id: string, request: ReserveRequest): Promise<void>;
  /** Holds every send for `key` back for `ms` from now, unless an existing pause lasts longer. */
  pause(key: string, ms: number): Promise<void>;
  /** Ms until `key`'s pause ends (0 when not paused). */
  pausedFor(key: string): Promise<number>;
}

/** The earliest time at or after `now` that puts at most `limit` of these times in any `window`. */
export function earliestSlot(times: readonly number[], now: number, limit: number, window: number): number {
  if (times.length < limit) return now;
  const sorted = times.toSorted((a, b) => a - b);
  return Math.max(now, sorted[sorted.length - limit]! + window);
}

/** A key's log: booked (or sent) time per call id, and for calls sent, when their request ended. */
interface KeyLog {
  plan: Map<string, number>;
  /** Infinity while the request is in transit: it may reach OpenCX at any time until it ends. */
  sends: Map<string, number>;
}

/** The sliding log in this process's memory. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly logs = new Map<string, KeyLog>();
  private readonly pauses = new Map<string, number>();

  reserve(key: string, id: string, request: ReserveRequest): Promise<Reservation> {
    const now = Date.now();
    const log = this.live(key, now, request.window);
    const planned = earliestSlot([...log.plan.values()], now, request.localLimit, request.window);
    const at = Math.max(planned, this.sendSlot(key, log, now, request));
    if (at - now > request.maxWait) return Promise.resolve({ granted: false, waitMs: at - now });
    this.book(log, id, at, now);
    return Promise.resolve({ granted: true, waitMs: at - now });
  }

  claim(key: string, id: string, request: ReserveRequest): Promise<number> {
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
  private sendSlot(key: string, log: KeyLog, now: number, { localLimit, window }: ReserveRequest): number {
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
