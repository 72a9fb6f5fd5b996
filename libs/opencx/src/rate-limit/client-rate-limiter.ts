import { OpenCxRateLimitError } from '../errors/opencx.errors.js';
import { sleep } from '../util/sleep.js';
import type { RateLimitStore } from './rate-limit-store.js';

/** Settings of the client-side limiter, with defaults applied. */
export interface RateLimitSettings {
  perMinute: number;
  maxWait: number;
  maxQueue: number;
  instances: number;
  window: number;
}

/**
 * At most `perMinute` upstream calls in any `window` (a minute) per API key: in memory, or across
 * the fleet through the Redis add-on's store. The log's window is longer than the upstream's by a
 * margin of 1/60 (a second a minute), so delays between booking a slot and the request reaching
 * OpenCX cannot put one call too many in an upstream window; a call may wait that margin beyond
 * `maxWait`. Calls over the limit wait for their booked slot, at most `maxQueue` per key; an
 * upstream 429 pauses the key for every caller.
 */
export class ClientRateLimiter {
  private readonly waiting = new Map<string, number>();
  private readonly window: number;
  private readonly margin: number;
  private readonly localLimit: number;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly store: RateLimitStore,
  ) {
    this.margin = Math.ceil(settings.window / 60);
    this.window = settings.window + this.margin;
    this.localLimit = Math.max(1, Math.floor(settings.perMinute / settings.instances));
  }

  /**
   * Waits for a slot for `key` (a hash of the API key), or throws OpenCxRateLimitError. `limit` (the
   * call's time left) bounds the wait further than `maxWait` plus the margin.
   */
  async acquire(key: string, limit: number = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<void> {
    const queued = this.waiting.get(key) ?? 0;
    if (queued >= this.settings.maxQueue) throw this.limited(this.window / this.settings.perMinute);
    const { granted, waitMs } = await this.store.reserve(key, {
      limit: this.settings.perMinute,
      localLimit: this.localLimit,
      window: this.window,
      maxWait: Math.min(limit, this.settings.maxWait + this.margin),
    });
    if (!granted) throw this.limited(waitMs);
    if (waitMs <= 0) return;
    this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
    try {
      await sleep(waitMs, signal);
    } finally {
      const left = (this.waiting.get(key) ?? 1) - 1;
      if (left > 0) this.waiting.set(key, left);
      else this.waiting.delete(key);
    }
  }

  /** Takes a slot for `key` only if one is free now. */
  async tryAcquire(key: string): Promise<boolean> {
    const { granted } = await this.store.reserve(key, {
      limit: this.settings.perMinute,
      localLimit: this.localLimit,
      window: this.window,
      maxWait: 0,
    });
    return granted;
  }

  /** Pauses `key` for `ms` (an upstream 429's Retry-After, already capped), for every caller. */
  pause(key: string, ms: number): Promise<void> {
    return ms > 0 ? this.store.pause(key, ms) : Promise.resolve();
  }

  /** Ms until `key` may send again after a pause (0 when not paused). */
  pausedFor(key: string): Promise<number> {
    return this.store.pausedFor(key);
  }

  /** Calls of `key` waiting for a slot in this instance. */
  waitingFor(key: string): number {
    return this.waiting.get(key) ?? 0;
  }

  private limited(waitMs: number): OpenCxRateLimitError {
    return new OpenCxRateLimitError({
      status: 429,
      retryAfter: Math.max(1, Math.ceil(waitMs / 1000)),
      body: { message: 'client-side rate limit reached (nestjs-opencx rateLimit)' },
    });
  }
}
