import { Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';

/** The part of node-redis's client the storage uses. */
interface EvalClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Returned by the script: total hits in the window, its ms left, and the block's ms left (0: none). */
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = redis.call('PTTL', KEYS[2])
if blocked <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blocked = tonumber(ARGV[3])
end
return { hits, ttl, math.max(blocked, 0) }`;

const REDIS_TIMEOUT_MS = 1_000;
/** How long the storage counts in memory after Redis failed, before it tries Redis again. */
const SKIP_REDIS_MS = 5_000;

/**
 * `@nestjs/throttler`'s storage interface over Redis, for fleet mode only (`REDIS_URL`): every
 * instance then counts the same per-caller limit. One script per request: count, expire, block.
 * With a small breaker of its own: when Redis fails (or stays silent for a second), each instance
 * counts in the throttler's own in-memory storage for a few seconds without waiting on Redis, so
 * an outage never turns requests into 500s or slow ones. A per-caller limit may count twice as
 * much across the fleet meanwhile; the library's own limit on OpenCX calls does not depend on it.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly local = new ThrottlerStorageService();
  private readonly logger = new Logger('Throttler:redis');
  private skipUntil = 0;

  constructor(private readonly client: EvalClient) {}

  /** Whether the storage counts in memory because Redis failed. */
  get degraded(): boolean {
    return performance.now() < this.skipUntil;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    if (this.degraded) return this.local.increment(key, ttl, limit, blockDuration, name);
    const keys = [`throttle:{${name}:${key}}:hits`, `throttle:{${name}:${key}}:blocked`];
    const args = [String(ttl), String(limit), String(blockDuration || ttl)];
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        this.client.eval(INCREMENT, { keys, arguments: args }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer')), REDIS_TIMEOUT_MS);
        }),
      ]);
      const [hits, left, blocked] = (Array.isArray(reply) ? reply : []).map(Number);
      return {
        totalHits: hits ?? 0,
        timeToExpire: Math.ceil(Math.max(left ?? 0, 0) / 1000),
        isBlocked: (blocked ?? 0) > 0,
        timeToBlockExpire: Math.ceil(Math.max(blocked ?? 0, 0) / 1000),
      };
    } catch {
      // Said once an outage: requests that were waiting on Redis fail together.
      if (!this.degraded) this.logger.warn('Redis unavailable; the throttler counts in memory for a few seconds');
      this.skipUntil = performance.now() + SKIP_REDIS_MS;
      return this.local.increment(key, ttl, limit, blockDuration, name);
    } finally {
      clearTimeout(timer);
    }
  }
}
