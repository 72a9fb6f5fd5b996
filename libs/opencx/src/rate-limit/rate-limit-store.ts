/** One reservation request: at most `limit` sends in any `window` ms, waiting at most `maxWait` ms. */
export interface ReserveRequest {
  /** The fleet-wide limit (used by a shared store). */
  limit: number;
  /** This instance's share, used by the in-memory store and by a shared store's fallback. */
  localLimit: number;
  window: number;
  maxWait: number;
}

/** A reservation's outcome: granted with the ms to wait before sending, or refused with the wait it would have needed. */
export interface Reservation {
  granted: boolean;
  waitMs: number;
}

/**
 * A sliding log of send times per key. `reserve` books the earliest time at or after now at which
 * a send keeps every `window`-long interval within `limit`, and refuses when that is more than
 * `maxWait` away, so nothing is booked that will not be used. Pauses (after an upstream 429) only
 * ever lengthen, and never touch the log: what was counted stays counted.
 */
export interface RateLimitStore {
  reserve(key: string, request: ReserveRequest): Promise<Reservation>;
  /** Holds every send for `key` back for `ms` from now, unless an existing pause lasts longer. */
  pause(key: string, ms: number): Promise<void>;
  /** Ms until `key`'s pause ends (0 when not paused). */
  pausedFor(key: string): Promise<number>;
}

/** The earliest slot, given the log's times in order: `limit` sends in any `window` at most. */
export function earliestSlot(log: readonly number[], now: number, limit: number, window: number): number {
  return log.length < limit ? now : Math.max(now, log[log.length - limit]! + window);
}

/** The sliding log in this process's memory. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly logs = new Map<string, number[]>();
  private readonly pauses = new Map<string, number>();

  reserve(key: string, { localLimit, window, maxWait }: ReserveRequest): Promise<Reservation> {
    const now = Date.now();
    const log = (this.logs.get(key) ?? []).filter((at) => at > now - window);
    const at = Math.max(earliestSlot(log, now, localLimit, window), this.pauses.get(key) ?? 0);
    const waitMs = at - now;
    if (waitMs > maxWait) {
      this.keep(key, log);
      return Promise.resolve({ granted: false, waitMs });
    }
    // Sorted insertion: a slot booked after a pause may precede slots booked earlier.
    let index = log.length;
    while (index > 0 && log[index - 1]! > at) index--;
    log.splice(index, 0, at);
    this.keep(key, log);
    return Promise.resolve({ granted: true, waitMs });
  }

  pause(key: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    if (until > (this.pauses.get(key) ?? 0)) this.pauses.set(key, until);
    return Promise.resolve();
  }

  pausedFor(key: string): Promise<number> {
    const left = (this.pauses.get(key) ?? 0) - Date.now();
    if (left <= 0) this.pauses.delete(key);
    return Promise.resolve(Math.max(0, left));
  }

  private keep(key: string, log: number[]): void {
    if (log.length > 0) this.logs.set(key, log);
    else this.logs.delete(key);
  }
}
