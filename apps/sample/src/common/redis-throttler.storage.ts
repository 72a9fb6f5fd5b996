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

/**
 * `@nestjs/throttler`'s storage interface over Redis, for fleet mode only (`REDIS_URL`): every
 * instance then counts the same per-caller limit. One script per request: count, expire, block.
 * While Redis fails (or takes longer than a second) each instance counts in the throttler's own
 * in-memory storage, so an outage never turns requests into 500s.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly local = new ThrottlerStorageService();

  constructor(private readonly client: EvalClient) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const keys = [`throttle:{${name}:${key}}:hits`, `throttle:{${name}:${key}}:blocked`];
    let timer: NodeJS.Timeout | undefined;
    let reply: [number, number, number];
    try {
      reply = (await Promise.race([
        this.client.eval(INCREMENT, { keys, arguments: [String(ttl), String(limit), String(blockDuration || ttl)] }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer')), REDIS_TIMEOUT_MS);
        }),
      ])) as [number, number, number];
    } catch {
      return this.local.increment(key, ttl, limit, blockDuration, name);
    } finally {
      clearTimeout(timer);
    }
    const [hits, left, blocked] = reply;
    return {
      totalHits: hits,
      timeToExpire: Math.ceil(Math.max(left, 0) / 1000),
      isBlocked: blocked > 0,
      timeToBlockExpire: Math.ceil(blocked / 1000),
    };
  }
}
