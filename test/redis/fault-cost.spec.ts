import { setTimeout as wait } from 'node:timers/promises';
import type { ContactAuthService } from 'nestjs-opencx';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { Instances, mostInWindow, pastStartHold } from './fleet-harness.js';

const KEY = 'sk_fault_cost_key';
// OpenCX's minute scaled to 3 s and the store's heartbeat and timeout with it (a start hold of 2 s).
const QUOTA = 30;
const WINDOW = 3_000;
const STORE = { heartbeat: 200, timeout: 300 };

describeWithRedis('fault cost suite')('faults cost little quota', () => {
  let redis: RedisServer;
  let fake: OpenCxFakeServer;
  let fleet: Instances;
  const stores: RedisFleetStore[] = [];

  beforeEach(async () => {
    redis = await startRedis();
    await pastStartHold(redis.url, 2);
    fake = await createOpenCxFakeServer({
      apiKey: KEY,
      rateLimitPerMinute: QUOTA,
      rateLimitWindowMs: WINDOW,
      rateLimitWindow: 'rolling',
    });
    fleet = new Instances({
      apiKey: KEY,
      baseUrl: fake.url,
      cache: false,
      maxRetries: 0,
      totalTimeout: 4 * WINDOW,
      rateLimit: { perMinute: QUOTA, window: WINDOW, maxWait: WINDOW + 300, maxQueue: 10_000 },
    });
  }, 30_000);
  afterEach(async () => {
    await fleet?.close();
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await fake?.close();
    await redis?.stop();
  }, 30_000);

  /** An instance on its own store (the heartbeat scaled with the window). */
  async function instance(): Promise<ContactAuthService> {
    const store = await RedisFleetStore.connect(redis.url, STORE);
    stores.push(store);
    return fleet.start({ store });
  }

  it('keeps serving a share while Redis is away, and the whole quota within a window of its return', async () => {
    const services = [await instance(), await instance(), await instance()];
    const start = Date.now();
    const calls: Array<Promise<unknown>> = [];
    const demanding = { on: true };
    // Steady demand, twice the quota, spread over the instances, until the end of the run.
    const demand = (async () => {
      for (let i = 0; demanding.on; i++) {
        calls.push(services[i % 3]!.authenticateUser({ email: `steady-${i}@example.com` }).catch(() => undefined));
        await wait(WINDOW / QUOTA / 2);
      }
    })();
    await wait(4_000);
    const killedAt = Date.now() - start;
    await redis.stop();
    await wait(4_000);
    await redis.restart();
    const backAt = Date.now() - start;
    await wait(4 * WINDOW);
    demanding.on = false;
    await demand;
    await Promise.all(calls);
    const arrivals = fake
      .authenticateRequests()
      .map((request) => request.receivedAt - start)
      .toSorted((a, b) => a - b);
    expect(fake.statusCounts[429] ?? 0).toBe(0);
    expect(mostInWindow(arrivals, WINDOW)).toBeLessThanOrEqual(QUOTA);
    // Away: the first send on its own comes a window after the operation that found Redis gone (which
    // waits its timeout, longer when the process itself is held up), and the window's 1/60 margin.
    // (Requests granted before it and still on their way may arrive just after: a second is left to them.)
    const firstAlone = arrivals.find((at) => at > killedAt + 1_000);
    expect(firstAlone).toBeDefined();
    expect(firstAlone! - killedAt).toBeLessThanOrEqual(WINDOW + WINDOW / 60 + STORE.timeout + 1_000);
    // Each instance kept its share: the quota's third, or more, in the window before Redis came back.
    expect(arrivals.filter((at) => at > backAt - WINDOW && at <= backAt).length).toBeGreaterThanOrEqual(QUOTA / 3 - 1);
    // Back: the whole quota in a window after the recovery's fixed costs (a reconnection, the restart
    // hold, the settling: about a window at this scale, a fifteenth of OpenCX's minute) and a window.
    const pooled = arrivals.filter((at) => at > backAt + 2 * WINDOW && at <= backAt + 3 * WINDOW).length;
    expect(pooled).toBeGreaterThanOrEqual(0.9 * QUOTA);
  }, 60_000);

  it("gives a stopped instance's booked slots back to the others soon after their time", async () => {
    const request = {
      limit: 10,
      localLimit: 10,
      window: WINDOW,
      maxWait: 2 * WINDOW,
      maxTransit: 5_000,
      maxPause: 60_000,
    };
    const [stopping, staying] = [
      await RedisFleetStore.connect(redis.url, STORE),
      await RedisFleetStore.connect(redis.url, STORE),
    ];
    stores.push(staying, stopping);
    for (let i = 0; i < 10; i++) {
      expect((await staying.reserve('k', `sent-${i}`, request)).waitMs).toBe(0);
      await staying.release('k', `sent-${i}`, request, 'ended');
    }
    // The next window's slots, all booked by an instance that then stops without using them.
    for (let i = 0; i < 10; i++) expect((await stopping.reserve('k', `booked-${i}`, request)).granted).toBe(true);
    await stopping.close();
    await wait(WINDOW + 300);
    // Past the bookings' time and a short grace: the slots are free again, not a window later.
    const next = await staying.reserve('k', 'next', request);
    expect(next).toEqual({ granted: true, waitMs: 0 });
  }, 30_000);
});
