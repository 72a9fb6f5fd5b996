import { setTimeout as wait } from 'node:timers/promises';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { createClient } from 'redis';
import { fleetStoreContract } from '../../libs/opencx/test/fleet-store.contract.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';

/** A connected client of each kind the store takes, and how to close it. */
type Connect = (url: string) => Promise<{ client: ConstructorParameters<typeof RedisFleetStore>[0]; close(): void }>;

const CLIENTS: Array<[string, Connect]> = [
  [
    'node-redis',
    async (url) => {
      const client = createClient({ url });
      await client.connect();
      return { client, close: () => client.destroy() };
    },
  ],
  // What most NestJS apps hold (BullMQ requires ioredis), and its Valkey fork.
  [
    'ioredis',
    async (url) => {
      const client = new (await import('ioredis')).Redis(url);
      return { client, close: () => client.disconnect() };
    },
  ],
  [
    'iovalkey',
    async (url) => {
      const client = new (await import('iovalkey')).Valkey(url);
      return { client, close: () => client.disconnect() };
    },
  ],
];

describeWithRedis('Redis fleet-store contract')('RedisFleetStore, against a real redis-server', () => {
  let redis: RedisServer;
  const closers: Array<() => void> = [];
  const stores: RedisFleetStore[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  beforeEach(() => redis.flush());
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const close of closers.splice(0)) close();
  });
  afterAll(() => redis?.stop());

  describe.each(CLIENTS)('with a %s client: the fleet-store contract', (_kind, connect) => {
    fleetStoreContract({
      // Each store its own connection, as each instance of a fleet has.
      create: async () => {
        const { client, close } = await connect(redis.url);
        closers.push(close);
        const store = new RedisFleetStore(client);
        stores.push(store);
        return store;
      },
      shared: true,
      // Redis times the window by its own clock: real time passes.
      advance: (ms) => wait(ms),
      window: 400,
    });
  });

  it('opens and closes its own connection from a URL, and is not degraded while Redis answers', async () => {
    const store = await RedisFleetStore.connect(redis.url);
    await store.save('k', 'p', 'v', 60_000, 0);
    expect((await store.lookup('k', 'p', 1_000)).value).toBe('v');
    expect(store.degraded).toBe(false);
    await store.close();
    expect(Object.keys(await redis.dump())).toEqual(['opencx:{k}:token']);
  });
});
