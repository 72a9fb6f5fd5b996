import { setTimeout as wait } from 'node:timers/promises';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { createClient, createCluster } from 'redis';
import { runFleetStoreContract } from 'nestjs-opencx/testing';
import {
  describeWithRedis,
  startRedis,
  startRedisCluster,
  type RedisCluster,
  type RedisServer,
} from '../support/redis-server.mjs';
import { pastStartHold } from './fleet-harness.js';

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
    'ioredis 5',
    async (url) => {
      const client = new (await import('ioredis5')).Redis(url);
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

// Mutation testing runs this suite against every mutant of the Redis store: one client and no
// cluster there keep each run short (`OPENCX_REDIS_CONTRACT=quick`, set by scripts/mutation.mjs).
const QUICK = process.env.OPENCX_REDIS_CONTRACT === 'quick';

type Node = { host: string; port: number; url: string };
/** A connected cluster client of each kind, from the cluster's nodes. */
type ConnectCluster = (nodes: Node[]) => Promise<Awaited<ReturnType<Connect>>>;

const CLUSTER_CLIENTS: Array<[string, ConnectCluster]> = [
  [
    'node-redis',
    async (nodes) => {
      const client = createCluster({ rootNodes: nodes.map(({ url }) => ({ url })) });
      await client.connect();
      return { client, close: () => client.destroy() };
    },
  ],
  [
    'ioredis',
    async (nodes) => {
      const client = new (await import('ioredis')).Cluster(nodes.map(({ host, port }) => ({ host, port })));
      await new Promise((resolve) => client.once('ready', resolve));
      return { client, close: () => client.disconnect() };
    },
  ],
  [
    'ioredis 5',
    async (nodes) => {
      const client = new (await import('ioredis5')).Cluster(nodes.map(({ host, port }) => ({ host, port })));
      await new Promise((resolve) => client.once('ready', resolve));
      return { client, close: () => client.disconnect() };
    },
  ],
  [
    'iovalkey',
    async (nodes) => {
      const client = new (await import('iovalkey')).Cluster(nodes.map(({ host, port }) => ({ host, port })));
      await new Promise((resolve) => client.once('ready', resolve));
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
    await pastStartHold(redis.url);
  }, 30_000);
  beforeEach(() => redis.flush());
  afterEach(async () => {
    // Each case went through Redis: a store that fell back to memory would pass the cases too.
    const degraded = stores.some((store) => store.degraded);
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const close of closers.splice(0)) close();
    if (degraded) throw new Error('a store fell back to memory: Redis failed');
  });
  afterAll(() => redis?.stop());

  describe.each(QUICK ? CLIENTS.slice(0, 1) : CLIENTS)(
    'with a %s client: the fleet-store contract',
    (_kind, connect) => {
      runFleetStoreContract(
        {
          // Each store its own connection, as each instance of a fleet has.
          create: async () => {
            const { client, close } = await connect(redis.url);
            closers.push(close);
            const store = new RedisFleetStore(client);
            stores.push(store);
            return store;
          },
          shared: true,
          // The fleet's time is the server's clock, as the heartbeat reads it: real time passes.
          advance: (ms) => wait(ms),
          window: 400,
        },
        { it },
      );
    },
  );

  it('opens and closes its own connection from a URL, and is not degraded while Redis answers', async () => {
    const store = await RedisFleetStore.connect(redis.url);
    stores.push(store);
    await store.save('k', 'p', 'v', 60_000, 0);
    expect((await store.lookup('k', 'p', 1_000)).value).toBe('v');
    expect(store.degraded).toBe(false);
    await store.close();
    // The token, and the fleet's clock: this instance left the members, its only one, and is said
    // to have departed (so that the fleet drops any booking of its at once).
    expect(Object.keys(await redis.dump()).toSorted()).toEqual([
      'opencx:{fleet}:clock',
      'opencx:{fleet}:departed',
      'opencx:{k}:token',
    ]);
  });

  it('joins the fleet when made, before any call, and leaves it on close', async () => {
    const [leaving, staying] = await Promise.all([
      RedisFleetStore.connect(redis.url),
      RedisFleetStore.connect(redis.url),
    ]);
    stores.push(staying, leaving);
    const members = async () => (await redis.dump())['opencx:{fleet}:members'];
    // Both have beaten once: the members are there with no call made.
    for (let i = 0; i < 50 && (leaving.degraded || staying.degraded); i++) await wait(20);
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      expect(await members()).toBe('zset');
      expect(await client.zCard('opencx:{fleet}:members')).toBe(2);
      await leaving.close();
      expect(await client.zCard('opencx:{fleet}:members')).toBe(1);
    } finally {
      client.destroy();
    }
  });
});

(QUICK ? describe.skip : describeWithRedis('Redis Cluster fleet-store contract'))(
  'RedisFleetStore, against a real Redis Cluster',
  () => {
    let cluster: RedisCluster;
    const closers: Array<() => void> = [];
    const stores: RedisFleetStore[] = [];

    beforeAll(async () => {
      cluster = await startRedisCluster(3);
    }, 30_000);
    beforeEach(() => cluster.flush());
    afterEach(async () => {
      const degraded = stores.some((store) => store.degraded);
      await Promise.all(stores.splice(0).map((store) => store.close()));
      for (const close of closers.splice(0)) close();
      if (degraded) throw new Error('a store fell back to memory: Redis failed');
    });
    afterAll(() => cluster?.stop());

    describe.each(CLUSTER_CLIENTS)('with a %s cluster client', (_kind, connect) => {
      const create = async () => {
        const { client, close } = await connect(cluster.nodes);
        closers.push(close);
        const store = new RedisFleetStore(client);
        stores.push(store);
        return store;
      };

      describe('the fleet-store contract', () => {
        runFleetStoreContract({ create, shared: true, advance: (ms) => wait(ms), window: 400 }, { it });
      });

      it('spreads contacts over the nodes, each script on one slot, and reads them from another client', async () => {
        const [one, two] = [await create(), await create()];
        const keys = Array.from({ length: 24 }, (_, i) => `contact-${i}`);
        for (const key of keys) await one.save(key, 'p', `v-${key}`, 60_000, 0);
        for (const key of keys) expect((await two.lookup(key, 'p', 1_000)).value).toBe(`v-${key}`);
        const nodesHolding = await Promise.all(
          cluster.nodes.map(async ({ url }) => {
            const node = await startNodeClient(url);
            try {
              return (await node.keys('opencx:*:token')).length;
            } finally {
              node.destroy();
            }
          }),
        );
        expect(nodesHolding.filter((count) => count > 0).length).toBeGreaterThan(1);
        expect(nodesHolding.reduce((a, b) => a + b, 0)).toBe(keys.length);
        expect(one.degraded).toBe(false);
      });
    });
  },
);

async function startNodeClient(url: string) {
  const client = createClient({ url });
  await client.connect();
  return client;
}
