import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { burst, Instances, mostInWindow, pastStartHold } from './fleet-harness.js';

const KEY = 'sk_restart_wave_key';
// OpenCX's minute scaled to 4 s and its quota to 40: the ratios are what the limiter sees.
const QUOTA = 40;
const WINDOW = 4_000;

describeWithRedis('Redis restart wave suite')('Redis restarted empty, then new users at once', () => {
  let redis: RedisServer;
  let fake: OpenCxFakeServer;
  let fleet: Instances;

  beforeEach(async () => {
    redis = await startRedis();
    await pastStartHold(redis.url);
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
      totalTimeout: 3 * WINDOW,
      rateLimit: { perMinute: QUOTA, window: WINDOW, maxWait: 2 * WINDOW, maxQueue: 1_000 },
    });
  }, 30_000);
  afterEach(async () => {
    await fleet?.close();
    await fake?.close();
    await redis?.stop();
  }, 30_000);

  it('counts what one instance sent before the restart against the others, whatever the heartbeat phase', async () => {
    const [sender, ...newcomers] = [await fleet.start(), await fleet.start(), await fleet.start()];
    // One instance uses the whole quota; the other two have never used the key.
    expect(await burst([sender], QUOTA, 'before')).toEqual([QUOTA]);
    await redis.restart();
    // The wave comes at once, before any heartbeat had time to hand the sends back.
    await burst(newcomers, QUOTA, 'wave');
    const arrivals = fake.authenticateRequests().map((request) => request.receivedAt);
    expect(fake.statusCounts[429] ?? 0).toBe(0);
    expect(mostInWindow(arrivals, WINDOW)).toBeLessThanOrEqual(QUOTA);
    // The wave is served once the window of the first sends has passed: the quota is used, not lost.
    expect(arrivals.length).toBeGreaterThan(QUOTA);
  }, 60_000);
});
