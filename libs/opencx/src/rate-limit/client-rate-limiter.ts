import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { OpenCxAbortError, OpenCxRateLimitError } from '../errors/opencx.errors.js';

/** Settings of the client-side limiter, with defaults applied. */
export interface RateLimitSettings {
  perMinute: number;
  maxWait: number;
  maxQueue: number;
}

/**
 * At most `perMinute` upstream calls per minute per API key, with `rate-limiter-flexible`: in
 * memory, or in Redis (shared by the whole fleet) with an in-memory insurance limiter that takes
 * over while Redis is down. Calls over the limit wait, at most `maxQueue` of them per key and each
 * at most `maxWait` ms, then fail with {@link OpenCxRateLimitError}. An upstream 429 pauses the key.
 */
export class ClientRateLimiter {
  private readonly limiter: RateLimiterAbstract;
  private readonly waiting = new Map<string, number>();

  constructor(
    private readonly settings: RateLimitSettings,
    redisClient?: unknown,
  ) {
    const base = { points: settings.perMinute, duration: 60, keyPrefix: 'opencx-rl' };
    this.limiter = redisClient
      ? new RateLimiterRedis({
          ...base,
          storeClient: redisClient,
          useRedisPackage: true,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(base),
        })
      : new RateLimiterMemory(base);
  }

  /** Waits for a slot for `key` (a hash of the API key), or throws OpenCxRateLimitError. */
  async acquire(key: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.settings.maxWait;
    let queued = false;
    try {
      for (;;) {
        const wait = await this.consume(key);
        if (wait === 0) return;
        const left = deadline - Date.now();
        if (wait > left) throw this.limited(wait);
        if (!queued) {
          if ((this.waiting.get(key) ?? 0) >= this.settings.maxQueue) throw this.limited(wait);
          this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
          queued = true;
        }
        try {
          await sleep(wait, undefined, { signal });
        } catch {
          throw new OpenCxAbortError();
        }
      }
    } finally {
      if (queued) this.waiting.set(key, (this.waiting.get(key) ?? 1) - 1);
    }
  }

  /** Takes a slot for `key` if one is free now; never waits. */
  async tryAcquire(key: string): Promise<boolean> {
    return (await this.consume(key)) === 0;
  }

  /** Pauses `key` for `seconds` (an upstream 429's Retry-After), for every caller of this limiter. */
  async pause(key: string, seconds: number): Promise<void> {
    if (seconds > 0) await this.limiter.block(key, Math.ceil(seconds)).catch(() => undefined);
  }

  /** 0 when a point was taken, else the ms until the next one. */
  private async consume(key: string): Promise<number> {
    try {
      await this.limiter.consume(key);
      return 0;
    } catch (result) {
      if (result instanceof RateLimiterRes) return Math.max(1, result.msBeforeNext);
      throw result;
    }
  }

  private limited(waitMs: number): OpenCxRateLimitError {
    return new OpenCxRateLimitError({
      status: 429,
      retryAfter: Math.ceil(waitMs / 1000),
      body: { message: 'client-side rate limit reached (nestjs-opencx rateLimit)' },
    });
  }
}
