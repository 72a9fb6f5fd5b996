import { setTimeout as wait } from 'node:timers/promises';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { burst, Instances, mostInWindow } from './fleet-harness.js';

const KEY = 'sk_cold_failover_key';
// OpenCX's minute scaled to 2 s: the limiter's behaviour depends only on the ratios.
const QUOTA = 30;
const WINDOW = 2_000;

describeWithRedis('cold failover suite')('Redis lost before any call', () => {
  let redis: RedisServer;
  let fake: OpenCxFakeServer;
  let fleet: Instances;

  beforeEach(async () => {
    redis = await startRedis();
    fake = await createOpenCxFakeServer({
      apiKey: KEY,
      rateLimitPerMinute: QUOTA,
      rateLimitWindowMs: WINDOW,
      rateLimitWindow: 'rolling',
    });
    fleet = new Instances({
      apiKey: KEY,
      baseUrl: fake.url,
      redis: redis.url,
      cache: false,
      maxRetries: 0,
      totalTimeout: 10_000,
      rateLimit: { perMinute: QUOTA, window: WINDOW, maxWait: 2_500, maxQueue: 1_000 },
    });
  }, 30_000);
  afterEach(async () => {
    await fleet?.close();
    await fake?.close();
    await redis?.stop();
  }, 30_000);

  it('keeps three instances started together within the quota when Redis dies before their first call', async () => {
    const services = [await fleet.start(), await fleet.start(), await fleet.start()];
    // Every instance has met the others (a heartbeat and a bit), then Redis goes before any call.
    await wait(1_500);
    await redis.stop();
    const served = await burst(services, QUOTA, 'cold');
    const arrivals = fake.authenticateRequests().map((request) => request.receivedAt);
    expect(fake.statusCounts[429] ?? 0).toBe(0);
    expect(mostInWindow(arrivals, WINDOW)).toBeLessThanOrEqual(QUOTA);
    // Each keeps serving its share: a third of the quota, not nothing.
    for (const count of served) expect(count).toBeGreaterThanOrEqual(QUOTA / 3);
  }, 30_000);
});
