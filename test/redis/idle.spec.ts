import { setTimeout as wait } from 'node:timers/promises';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { commandsSent, keysWithoutTtl, pastStartHold } from './fleet-harness.js';

const WINDOW = 1_000;
const request = { limit: 10, localLimit: 10, window: WINDOW, maxWait: 0, maxTransit: 5_000, maxPause: 60_000 };

describeWithRedis('Redis idle suite')('an idle fleet', () => {
  let redis: RedisServer;
  const stores: RedisFleetStore[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    await pastStartHold(redis.url);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await redis?.stop();
  });

  it('sends at most one command a second per instance, however many limiter keys it has used', async () => {
    // Two instances, fifty per-call keys (each call's own apiKey or rateLimit.group) each.
    stores.push(await RedisFleetStore.connect(redis.url), await RedisFleetStore.connect(redis.url));
    for (const [s, store] of stores.entries()) {
      for (let k = 0; k < 50; k++) {
        const id = `call-${s}-${k}`;
        expect((await store.reserve(`key-${k}`, id, request)).granted).toBe(true);
        await store.release(`key-${k}`, id, request, 'ended');
      }
    }
    // Past the window of the last send (and its transit), each key is forgotten.
    await wait(WINDOW + 1_500);
    // Four seconds hold four or five beats of each instance.
    const sent = await commandsSent(redis.url, 4_000);
    expect(sent.length).toBeLessThanOrEqual(stores.length * 5);
    expect(sent.every((line) => line.includes('opencx:{fleet}:clock'))).toBe(true);
    // Each key was forgotten a window after its last send, with nothing left to tell Redis.
    for (const store of stores) expect(store.limiterKeysKept).toBe(0);
    expect(await keysWithoutTtl(redis.url)).toEqual([]);
  }, 30_000);
});
