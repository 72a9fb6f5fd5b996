import type { OpenCxSendOutcome, OpenCxSlotRequest } from './opencx-fleet-store.interface.js';

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
  /** The key's window, as its last request said. */
  window: number;
}

/**
 * The sliding logs of one process, per limiter key, on one clock the caller gives (monotonic ms).
 * What has left a key's window is dropped when the key is used, and every log at most once a
 * window, so keys used once (a per-call API key) do not accumulate.
 */
export class SlidingLogs {
  private readonly logs = new Map<string, KeyLog>();
  private sweptAt = Number.NEGATIVE_INFINITY;

  /**
   * The earliest time at or after `now` that keeps `key` within `limit` a window: counting the
   * sends (a send in transit as arriving now), and with `withPlan` the bookings too.
   */
  slot(key: string, now: number, request: OpenCxSlotRequest, limit: number, withPlan: boolean): number {
    const log = this.live(key, now, request.window);
    const sends = [...log.sends.values()].map((at) => Math.min(at, now));
    const sent = earliestSlot(sends, now, limit, request.window);
    return withPlan ? Math.max(sent, earliestSlot([...log.plan.values()], now, limit, request.window)) : sent;
  }

  /** Books `id` at `at`; one booked now is sent now, in transit until it ends or its `maxTransit` passes. */
  book(key: string, id: string, at: number, now: number, request: OpenCxSlotRequest): void {
    const log = this.live(key, now, request.window);
    log.plan.set(id, at);
    if (at <= now) log.sends.set(id, now + request.maxTransit);
  }

  /** Times `id`'s send by its end `now` (abandoned: in transit for `maxTransit` more), or drops a booking never sent. */
  release(key: string, id: string, now: number, request: OpenCxSlotRequest, outcome: OpenCxSendOutcome): void {
    const log = this.logs.get(key);
    if (!log) return;
    if (log.sends.has(id)) {
      const at = outcome === 'abandoned' ? now + request.maxTransit : now;
      log.sends.set(id, at);
      log.plan.set(id, at);
    } else log.plan.delete(id);
    if (log.plan.size === 0 && log.sends.size === 0) this.logs.delete(key);
  }

  /** `key`'s sends still in its window: each id with the time it counts from, relative to `now` (negative: past). */
  recent(key: string, now: number, window: number): Array<[id: string, offset: number]> {
    return [...(this.logs.get(key)?.sends ?? [])]
      .filter(([, at]) => at > now - window)
      .map(([id, at]): [string, number] => [id, at - now]);
  }

  /** The keys with a send still in their window. */
  keysSentOn(now: number): string[] {
    return [...this.logs].filter(([key, log]) => this.recent(key, now, log.window).length > 0).map(([key]) => key);
  }

  /** Drops what has left each key's window, in every log, at most once every `interval` ms. */
  sweep(now: number, interval: number): void {
    if (now - this.sweptAt < interval) return;
    this.sweptAt = now;
    for (const [key, { window }] of this.logs) {
      const log = this.live(key, now, window);
      if (log.plan.size === 0 && log.sends.size === 0) this.logs.delete(key);
    }
  }

  /** The key's log without what has left the window. */
  private live(key: string, now: number, window: number): KeyLog {
    const log = this.logs.get(key) ?? { plan: new Map(), sends: new Map(), window };
    log.window = window;
    for (const entries of [log.plan, log.sends])
      for (const [id, at] of entries) if (at <= now - window) entries.delete(id);
    this.logs.set(key, log);
    return log;
  }
}
