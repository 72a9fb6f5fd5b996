import { setTimeout as wait } from 'node:timers/promises';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { createClient } from 'redis';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { pastStartHold } from './fleet-harness.js';

const HEARTBEAT = 100;
const KEY = 'departed-key';
// Two sends a second; a call may wait three windows, so an instance books up to three windows ahead.
const request = { limit: 2, localLimit: 2, window: 1_000, maxWait: 3_000, maxTransit: 10_000, maxPause: 60_000 };

describeWithRedis('Redis departed-bookings suite')("a departed instance's bookings", () => {
  let redis: RedisServer;
  const closers: Array<() => unknown> = [];

  beforeAll(async () => {
    redis = await startRedis();
    await pastStartHold(redis.url);
  }, 30_000);
  beforeEach(() => redis.flush());
  afterEach(async () => {
    for (const close of closers.splice(0).toReversed()) await close();
  });
  afterAll(() => redis?.stop());

  /** A store on its own connection; `kill` drops the connection as a killed process would (no goodbye beat). */
  async function instance(): Promise<{ store: RedisFleetStore; kill: () => void }> {
    const client = createClient({ url: redis.url, disableOfflineQueue: true });
    await client.connect();
    const store = new RedisFleetStore(client, { heartbeat: HEARTBEAT, timeout: 200 });
    let killed = false;
    closers.push(
      () => store.close(),
      () => (killed ? undefined : client.destroy()),
    );
    await wait(2 * HEARTBEAT);
    return {
      store,
      kill: () => {
        killed = true;
        client.destroy();
      },
    };
  }

  it('hold no slot once the fleet knows it departed: a waiting call moves up, a new one is not put behind them', async () => {
    const a = await instance();
    const b = await instance();
    // a sends two now, and books four more: two a window ahead, two windows ahead.
    for (const id of ['a1', 'a2']) {
      expect(await a.store.reserve(KEY, id, request)).toEqual({ granted: true, waitMs: 0 });
      await a.store.release(KEY, id, request, 'ended');
    }
    for (const id of ['a3', 'a4', 'a5', 'a6']) expect((await a.store.reserve(KEY, id, request)).granted).toBe(true);
    // b's call is booked behind all of them, three windows ahead.
    const booked = await b.store.reserve(KEY, 'b1', request);
    expect([booked.granted, booked.waitMs]).toEqual([true, expect.any(Number)]);
    expect(booked.waitMs).toBeGreaterThan(2_500);
    a.kill();
    // Forgotten after three missed beats, and said at b's next beat.
    await wait(6 * HEARTBEAT);
    // b's waiting call asks again: the slot a window after a's sends is its now.
    expect(await b.store.claim(KEY, 'b1', request)).toBeLessThan(1_000);
    // A new call is booked with it, not behind a's bookings.
    const next = await b.store.reserve(KEY, 'b2', request);
    expect([next.granted, next.waitMs < 1_000]).toEqual([true, true]);
  }, 20_000);

  it('still hold their slots while their instance beats', async () => {
    const a = await instance();
    const b = await instance();
    for (const id of ['a1', 'a2']) {
      await a.store.reserve(KEY, id, request);
      await a.store.release(KEY, id, request, 'ended');
    }
    for (const id of ['a3', 'a4', 'a5', 'a6']) await a.store.reserve(KEY, id, request);
    const booked = await b.store.reserve(KEY, 'b1', request);
    await wait(6 * HEARTBEAT);
    expect(await b.store.claim(KEY, 'b1', request)).toBeGreaterThan(booked.waitMs - 6 * HEARTBEAT - 200);
  }, 20_000);
});
