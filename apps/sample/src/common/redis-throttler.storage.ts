import type { ThrottlerStorage } from '@nestjs/throttler';
import type { OpenCxRedisClient } from 'nestjs-opencx';

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

/**
 * `@nestjs/throttler`'s storage interface over Redis, for fleet mode only (`REDIS_URL`): every
 * instance then counts the same per-caller limit. Without Redis the throttler's own in-memory
 * storage is used. One script per request: count, expire, block.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly client: OpenCxRedisClient) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const keys = [`throttle:{${name}:${key}}:hits`, `throttle:{${name}:${key}}:blocked`];
    const [hits, left, blocked] = (await this.client.eval(INCREMENT, {
      keys,
      arguments: [String(ttl), String(limit), String(blockDuration || ttl)],
    })) as [number, number, number];
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(Math.max(left, 0) / 1000),
      isBlocked: blocked > 0,
      timeToBlockExpire: Math.ceil(blocked / 1000),
    };
  }
}
