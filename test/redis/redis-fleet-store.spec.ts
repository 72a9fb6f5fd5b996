import { setTimeout as wait } from 'node:timers/promises';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { createClient } from 'redis';
import { fleetStoreContract } from '../../libs/opencx/test/fleet-store.contract.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';

describeWithRedis('Redis fleet-store contract')(
  'RedisFleetStore: the fleet-store contract, against a real redis-server',
  () => {
    let redis: RedisServer;
    const clients: Array<{ destroy(): void }> = [];
    const stores: RedisFleetStore[] = [];

    beforeAll(async () => {
      redis = await startRedis();
    });
    beforeEach(() => redis.flush());
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      for (const client of clients.splice(0)) client.destroy();
    });
    afterAll(() => redis?.stop());

    fleetStoreContract({
      // Each store its own connection, as each instance of a fleet has.
      create: async () => {
        const client = createClient({ url: redis.url });
        await client.connect();
        clients.push(client);
        const store = new RedisFleetStore(client);
        stores.push(store);
        return store;
      },
      shared: true,
      // Redis times the window by its own clock: real time passes.
      advance: (ms) => wait(ms),
      window: 400,
    });

    it('opens and closes its own connection from a URL', async () => {
      const store = await RedisFleetStore.connect(redis.url);
      await store.save('k', 'p', 'v', 60_000, 0);
      expect((await store.lookup('k', 'p', 1_000)).value).toBe('v');
      expect(store.degraded).toBe(false);
      await store.close();
      expect(Object.keys(await redis.dump())).toEqual(['opencx:{k}:token']);
    });
  },
);

/** The same contract through ioredis and iovalkey clients: what most NestJS apps hold (BullMQ requires ioredis). */
describe.each([
  ['ioredis', async (url: string) => new (await import('ioredis')).Redis(url)],
  ['iovalkey', async (url: string) => new (await import('iovalkey')).Valkey(url)],
])('RedisFleetStore with an %s client, against a real redis-server', (_label, connect) => {
  let redis: RedisServer;
  const clients: Array<{ disconnect(): void }> = [];
  const stores: RedisFleetStore[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  beforeEach(() => redis.flush());
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(() => redis?.stop());

  fleetStoreContract({
    create: async () => {
      const client = await connect(redis.url);
      clients.push(client);
      const store = new RedisFleetStore(client);
      stores.push(store);
      return store;
    },
    shared: true,
    advance: (ms) => wait(ms),
    window: 400,
  });

  it('is not degraded while Redis answers', async () => {
    const client = await connect(redis.url);
    clients.push(client);
    const store = new RedisFleetStore(client);
    stores.push(store);
    await store.save('k', 'p', 'v', 60_000, 0);
    expect(store.degraded).toBe(false);
  });
});
