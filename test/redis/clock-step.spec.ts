import { setTimeout as wait } from 'node:timers/promises';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import type { OpenCxFleetStore } from 'nestjs-opencx';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { clockShiftedClient, pastStartHold } from './fleet-harness.js';

const LIMIT = 5;
const WINDOW = 1_000;
const request = { limit: LIMIT, localLimit: LIMIT, window: WINDOW, maxWait: 0, maxTransit: 10_000, maxPause: 60_000 };

/** Sends `count` requests that end at once: how many the store granted. */
async function send(store: OpenCxFleetStore, count: number, tag: string): Promise<number> {
  let granted = 0;
  for (let i = 0; i < count; i++) {
    const id = `${tag}-${i}`;
    const reservation = await store.reserve('clock-key', id, request);
    if (reservation.granted && reservation.waitMs === 0) {
      granted++;
      await store.release('clock-key', id, request, 'ended');
    } else await store.release('clock-key', id, request, 'ended');
  }
  return granted;
}

describeWithRedis('Redis clock step suite')("a step of the Redis server's clock", () => {
  let redis: RedisServer;
  const offset = { ms: 0 };
  const closers: Array<() => void | Promise<void>> = [];

  beforeAll(async () => {
    redis = await startRedis();
    await pastStartHold(redis.url);
  }, 30_000);
  beforeEach(async () => {
    offset.ms = 0;
    await redis.flush();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).toReversed()) await close();
  });
  afterAll(() => redis?.stop());

  async function fleet(size: number): Promise<RedisFleetStore[]> {
    const stores: RedisFleetStore[] = [];
    for (let i = 0; i < size; i++) {
      const { client, close } = await clockShiftedClient(redis.url, offset);
      const store = new RedisFleetStore(client);
      stores.push(store);
      closers.push(close, () => store.close());
    }
    return stores;
  }

  it.each([
    ['back an hour', -3_600_000],
    ['back ten windows', -10 * WINDOW],
    ['forward an hour', 3_600_000],
  ])(
    '%s: never lets more than the limit through in a real window',
    async (_label, step) => {
      const [a, b] = await fleet(2);
      const start = performance.now();
      expect(await send(a!, LIMIT, 'before')).toBe(LIMIT);
      offset.ms = step;
      // Still inside the window of the first sends, whichever instance asks.
      expect(await send(b!, LIMIT, 'after-b')).toBe(0);
      expect(await send(a!, LIMIT, 'after-a')).toBe(0);
      expect(performance.now() - start).toBeLessThan(WINDOW);
    },
    20_000,
  );

  it.each([
    ['back ten windows', -10 * WINDOW],
    ['back an hour', -3_600_000],
  ])(
    '%s: refuses no longer than the window of the sends already made',
    async (_label, step) => {
      const [a, b] = await fleet(2);
      expect(await send(a!, LIMIT, 'before')).toBe(LIMIT);
      offset.ms = step;
      // A window after the sends (and a round trip), the slots are free again.
      await wait(WINDOW + 200);
      expect(await send(b!, LIMIT, 'later')).toBe(LIMIT);
    },
    20_000,
  );
});
