import { Logger } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { CircuitBreaker } from 'nestjs-opencx/redis';

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

/**
 * `@nestjs/throttler`'s storage interface over Redis, for fleet mode only (`REDIS_URL`): every
 * instance then counts the same per-caller limit. One script per request: count, expire, block.
 * Behind the library's circuit breaker, as its own fleet store is: while Redis fails (or stays
 * silent for a second) each instance counts in the throttler's own in-memory storage without
 * waiting on Redis again for a few seconds, so an outage never turns requests into 500s or slow ones.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly local = new ThrottlerStorageService();
  private readonly breaker = new CircuitBreaker(REDIS_TIMEOUT_MS, new Logger('Throttler:redis'));

  constructor(private readonly client: EvalClient) {}

  /** Whether the storage counts in memory because Redis failed. */
  get degraded(): boolean {
    return this.breaker.isOpen;
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const keys = [`throttle:{${name}:${key}}:hits`, `throttle:{${name}:${key}}:blocked`];
    return this.breaker.run(
      async () => {
        const args = [String(ttl), String(limit), String(blockDuration || ttl)];
        const [hits, left, blocked] = (await this.client.eval(INCREMENT, { keys, arguments: args })) as number[];
        return {
          totalHits: Number(hits),
          timeToExpire: Math.ceil(Math.max(Number(left), 0) / 1000),
          isBlocked: Number(blocked) > 0,
          timeToBlockExpire: Math.ceil(Math.max(Number(blocked), 0) / 1000),
        };
      },
      () => this.local.increment(key, ttl, limit, blockDuration, name),
    );
  }
}
