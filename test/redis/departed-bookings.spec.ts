import { setTimeout as wait } from 'node:timers/promises';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { createClient } from 'redis';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { pastStartHold } from './fleet-harness.js';

const HEARTBEAT = 100;
const KEY = 'departed-key';
// Two sends a second; a call may wait three windows, so an instance books up to three windows ahead.
const request = { limit: 2, localLimit: 2, window: 1_000, maxWait: 3_000, maxTransit: 10_000, maxPause: 60_000 };

/** a sends two now and books four more, up to three windows ahead; then b books a call behind them. */
async function aBooksAhead(a: RedisFleetStore, b: RedisFleetStore): Promise<number> {
  for (const id of ['a1', 'a2']) {
    expect(await a.reserve(KEY, id, request)).toEqual({ granted: true, waitMs: 0 });
    await a.release(KEY, id, request, 'ended');
  }
  for (const id of ['a3', 'a4', 'a5', 'a6']) expect((await a.reserve(KEY, id, request)).granted).toBe(true);
  const booked = await b.reserve(KEY, 'b1', request);
  expect(booked.granted).toBe(true);
  return booked.waitMs;
}

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

  it('hold no slot once the fleet knows it departed: a new call is not put behind them', async () => {
    const a = await instance();
    const b = await instance();
    expect(await aBooksAhead(a.store, b.store)).toBeGreaterThan(2_500);
    a.kill();
    // Forgotten after three missed beats, and said at b's next beat.
    await wait(6 * HEARTBEAT);
    const next = await b.store.reserve(KEY, 'b2', request);
    // The slot a window after a's sends, not one behind a's bookings (b1's, well after it, stays).
    expect([next.granted, next.waitMs < 1_000]).toEqual([true, true]);
  }, 20_000);

  it('still hold their slots while their instance beats', async () => {
    const a = await instance();
    const b = await instance();
    await aBooksAhead(a.store, b.store);
    await wait(6 * HEARTBEAT);
    const next = await b.store.reserve(KEY, 'b2', request);
    expect(next.granted && next.waitMs < 1_000).toBe(false);
  }, 20_000);
});
