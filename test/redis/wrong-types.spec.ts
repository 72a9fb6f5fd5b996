import { RedisFleetStore } from 'nestjs-opencx/redis';
import { createClient } from 'redis';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { keysWithoutTtl, pastStartHold } from './fleet-harness.js';

const CONTACT = 'contact-key-hash';
const LIMITER = 'limiter-key-hash';
const request = { limit: 3, localLimit: 3, window: 1_000, maxWait: 1_000, maxTransit: 10_000, maxPause: 60_000 };

type Transaction = ReturnType<ReturnType<typeof createClient>['multi']>;

/**
 * Whatever someone with access to Redis may leave at a key: each wrong type, and garbage of the
 * right one. Written in one transaction with the key's deletion (the store's heartbeat runs meanwhile).
 */
const WRITES: Array<[string, (multi: Transaction, key: string) => Transaction]> = [
  ['a hash', (multi, key) => multi.hSet(key, 'field', 'value')],
  ['a string', (multi, key) => multi.set(key, 'garbage')],
  ['a list', (multi, key) => multi.rPush(key, ['a', 'b'])],
  ['a set', (multi, key) => multi.sAdd(key, 'member')],
  ['a sorted set', (multi, key) => multi.zAdd(key, [{ score: 1, value: 'member' }])],
  ['a string that is no number', (multi, key) => multi.set(key, 'nan')],
  ['a sorted set of absurd scores', (multi, key) => multi.zAdd(key, [{ score: 1e300, value: 'x' }])],
];

/** Every operation of the store, on one contact and one limiter key, as the library runs them. */
async function exercise(subject: RedisFleetStore): Promise<void> {
  const found = await subject.lookup(CONTACT, 'p', 1_000);
  await subject.save(CONTACT, 'p', 'sealed', 60_000, found.stamp);
  await subject.unlock(CONTACT);
  await subject.evict(CONTACT);
  // Granted (after the short pause of the round before, if it is still on).
  const slot = await subject.reserve(LIMITER, 'id-1', request);
  expect(slot.granted).toBe(true);
  expect(slot.waitMs).toBeLessThanOrEqual(10);
  await subject.claim(LIMITER, 'id-2', request);
  await subject.release(LIMITER, 'id-1', request, 'ended');
  await subject.release(LIMITER, 'id-2', request, 'ended');
  await subject.pause(LIMITER, 10);
  await subject.pausedFor(LIMITER);
}

describeWithRedis('Redis wrong types suite')("wrong-typed or garbage values at the library's keys", () => {
  let redis: RedisServer;
  let client: ReturnType<typeof createClient>;
  let store: RedisFleetStore | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    await pastStartHold(redis.url);
    client = createClient({ url: redis.url });
    await client.connect();
  }, 30_000);
  beforeEach(() => redis.flush());
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  afterAll(async () => {
    client?.destroy();
    await redis?.stop();
  });

  it.each(WRITES)(
    "treats %s at any of the library's keys as that key's problem: overwritten, never an outage",
    async (_label, write) => {
      store = await RedisFleetStore.connect(redis.url);
      // Every key the library uses: run once on a clean server, then each one spoiled in turn.
      await exercise(store);
      const keys = (await client.keys('*')).toSorted();
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        await write(client.multi().del(key), key).exec();
        await exercise(store);
        expect([key, store.degraded]).toEqual([key, false]);
        await expect(store.evict(CONTACT)).resolves.toBeUndefined();
      }
      // A token looked up a second after the last eviction, and saved, is served again.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const found = await store.lookup(CONTACT, 'p', 1_000);
      await store.save(CONTACT, 'p', 'fresh', 60_000, found.stamp);
      expect((await store.lookup(CONTACT, 'p', 1_000)).value).toBe('fresh');
      expect(await keysWithoutTtl(redis.url)).toEqual([]);
    },
    30_000,
  );

  it('ignores fleet members that stopped beating: 500 stale members refuse nothing', async () => {
    store = await RedisFleetStore.connect(redis.url);
    await store.reserve(LIMITER, 'warm-up', { ...request, limit: 100, localLimit: 100 });
    await store.release(LIMITER, 'warm-up', request, 'ended');
    const [seconds] = await client.time();
    const now = Number(seconds) * 1_000;
    // Members that last beat a while ago, wherever a version of the library has kept its members.
    const stale = Array.from({ length: 500 }, (_, i) => ({ score: now - 800 - i, value: `gone-${i}` }));
    for (const key of [`opencx:{${LIMITER}}:fleet`, 'opencx:{fleet}:members']) {
      if ((await client.type(key)) !== 'string') await client.zAdd(key, stale);
    }
    const granted: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const id = `call-${i}`;
      const slot = await store.reserve(LIMITER, id, { ...request, limit: 100, localLimit: 100 });
      granted.push(slot.granted && slot.waitMs === 0);
      await store.release(LIMITER, id, request, 'ended');
    }
    // Each at once: 100 a window, 11 used.
    expect(granted.filter(Boolean)).toHaveLength(10);
    expect(store.degraded).toBe(false);
  });
});
