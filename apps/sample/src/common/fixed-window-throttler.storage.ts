import type { ThrottlerStorage } from '@nestjs/throttler';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * `@nestjs/throttler` storage on `rate-limiter-flexible`'s fixed-window counters: O(1) per request.
 * The throttler's default storage keeps one timestamp per hit and filters the whole list on every
 * request, so one busy API key (thousands of calls a minute) makes each request slower than the last;
 * the benchmark showed it as the largest single cost of the sample app. A fixed window may let up to
 * twice the limit through across a window boundary, which is fine for abuse protection.
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  private readonly limiters = new Map<string, RateLimiterMemory>();

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const id = `${throttlerName}:${ttl}:${limit}:${blockDuration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = new RateLimiterMemory({
        keyPrefix: id,
        points: limit,
        duration: Math.max(1, Math.ceil(ttl / 1000)),
        blockDuration: Math.ceil(blockDuration / 1000),
      });
      this.limiters.set(id, limiter);
    }
    try {
      const result = await limiter.consume(key);
      return {
        totalHits: result.consumedPoints,
        timeToExpire: Math.ceil(result.msBeforeNext / 1000),
        isBlocked: false,
        timeToBlockExpire: 0,
      };
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) throw result;
      const seconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
      return { totalHits: result.consumedPoints, timeToExpire: seconds, isBlocked: true, timeToBlockExpire: seconds };
    }
  }
}
