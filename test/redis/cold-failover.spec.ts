import { setTimeout as wait } from 'node:timers/promises';
import type { ContactAuthService } from 'nestjs-opencx';
import { RedisFleetStore } from 'nestjs-opencx/redis';
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
  const stores: RedisFleetStore[] = [];

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
    await Promise.all(stores.splice(0).map((store) => store.close()));
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

  /** An instance on its own store, once it has joined the fleet (when Redis answers). */
  async function instance(heartbeat: number, rateLimit = {}): Promise<ContactAuthService> {
    const store = await RedisFleetStore.connect(redis.url, { heartbeat, timeout: 300 });
    stores.push(store);
    for (let i = 0; i < 50 && store.degraded; i++) await wait(20);
    return fleet.start({
      redis: undefined,
      store,
      rateLimit: { perMinute: QUOTA, window: WINDOW, maxWait: 2_500, maxQueue: 1_000, ...rateLimit },
    });
  }

  it('keeps the quota when Redis dies as an instance joins, before the others heard of it', async () => {
    // The first beats once a minute: it last counted the fleet before the second joined.
    const first = await instance(60_000);
    const second = await instance(100);
    await redis.stop();
    // A window later, each may send on its own: the first its whole limit (it was alone), the second nothing.
    await wait(WINDOW + 500);
    const served = await burst([first, second], QUOTA, 'joining');
    const arrivals = fake.authenticateRequests().map((request) => request.receivedAt);
    expect(fake.statusCounts[429] ?? 0).toBe(0);
    expect(mostInWindow(arrivals, WINDOW)).toBeLessThanOrEqual(QUOTA);
    expect(served).toEqual([QUOTA, 0]);
  }, 30_000);

  it('sends nothing of its own after starting while Redis is down, unless rateLimit.instances gives it a share', async () => {
    await redis.stop();
    const unknown = await instance(100);
    const counted = await instance(100, { instances: 3 });
    await wait(WINDOW + 500);
    // A third of the quota at once, and a third more a window later (within maxWait).
    expect(await burst([unknown, counted], QUOTA, 'unknown')).toEqual([0, (2 * QUOTA) / 3]);
    expect(fake.statusCounts[429] ?? 0).toBe(0);
  }, 30_000);
});
