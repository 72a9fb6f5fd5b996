import { Test, type TestingModule } from '@nestjs/testing';
import {
  ContactAuthService,
  OpenCxClientRateLimitError,
  OpenCxModule,
  OpenCxRateLimitError,
  type OpenCxModuleOptions,
} from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { createClient } from 'redis';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { pastStartHold } from './fleet-harness.js';
import { slowLink } from '../support/slow-link.js';

const KEY = 'sk_redis_addon_CANARY_42';
const EMAIL = 'fleet.canary@example.com';

describeWithRedis('Redis add-on suite')('the Redis add-on, against a real redis-server', () => {
  let redis: RedisServer;
  let fake: OpenCxFakeServer;
  const modules: TestingModule[] = [];
  const clients: Array<{ destroy(): void }> = [];

  /** One "instance" of the app: its own registration sharing the Redis server. */
  async function instance(options: Partial<OpenCxModuleOptions> = {}): Promise<ContactAuthService> {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, redis: redis.url, ...options })],
    }).compile();
    modules.push(moduleRef);
    return moduleRef.get(ContactAuthService);
  }

  beforeAll(async () => {
    redis = await startRedis();
    fake = await createOpenCxFakeServer({ apiKey: KEY });
    await pastStartHold(redis.url);
  }, 30_000);
  beforeEach(async () => {
    fake.reset();
    await redis.flush();
  });
  afterEach(async () => {
    await Promise.all(modules.splice(0).map((moduleRef) => moduleRef.close()));
    for (const client of clients.splice(0)) client.destroy();
  });
  afterAll(async () => {
    await fake?.close();
    await redis?.stop();
  });

  it('shares tokens between instances, stored sealed: no token, email or key readable in Redis', async () => {
    const [a, b] = [await instance(), await instance()];
    const issued = await a.authenticateUser({ email: EMAIL, phone: '+15550100777' });
    await expect(b.authenticateUser({ email: EMAIL, phone: '+15550100777' })).resolves.toEqual(issued);
    expect(fake.requests).toHaveLength(1);
    const dump = JSON.stringify(await redis.dump());
    expect(dump).toContain('}:token');
    for (const secret of [issued.token, issued.token.split('.')[1]!, EMAIL, KEY, '+15550100777']) {
      expect(dump).not.toContain(secret);
    }
  });

  it('evicts a contact for the whole fleet', async () => {
    const [a, b] = [await instance(), await instance()];
    await a.authenticateUser({ email: EMAIL });
    await b.evictContact(EMAIL);
    await a.authenticateUser({ email: EMAIL });
    expect(fake.requests).toHaveLength(2);
  });

  it('shares one upstream call among instances asking for the same payload at once', async () => {
    const [a, b] = [await instance(), await instance()];
    fake.delayNext(1, 200);
    const answers = await Promise.all([a.authenticateUser({ email: EMAIL }), b.authenticateUser({ email: EMAIL })]);
    expect(answers[0]).toEqual(answers[1]);
    expect(fake.requests).toHaveLength(1);
  });

  it('shares the rate limit: the fleet together gets perMinute calls', async () => {
    const options = { cache: false as const, rateLimit: { perMinute: 3, maxWait: 0 } };
    const [a, b] = [await instance(options), await instance(options)];
    const outcomes = await Promise.all(
      [a, b, a, b, a, b].map((service, i) =>
        service.authenticateUser({ email: `u${i}@example.com` }).then(
          () => 'ok',
          (error: unknown) => (error instanceof OpenCxClientRateLimitError ? 'limited' : String(error)),
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(3);
    expect(outcomes.filter((outcome) => outcome === 'limited')).toHaveLength(3);
    expect(fake.requests).toHaveLength(3);
  });

  it('keeps what the limiter counted when a 429 pauses the key: a short Retry-After frees no slot', async () => {
    const service = await instance({ cache: false, maxRetries: 0, rateLimit: { perMinute: 10, maxWait: 0 } });
    for (let i = 0; i < 9; i++) await service.authenticateUser({ email: `p${i}@example.com` });
    fake.failNext(1, 429, { retryAfter: 1 });
    await expect(service.authenticateUser({ email: 'p9@example.com' })).rejects.toBeInstanceOf(OpenCxRateLimitError);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        service.authenticateUser({ email: `q${i}@example.com` }).catch((e: unknown) => e),
      ),
    );
    expect(later.every((outcome) => outcome instanceof OpenCxClientRateLimitError)).toBe(true);
    expect(fake.requests).toHaveLength(10);
  });

  it.each([
    ['across the fleet in Redis', true],
    ['in memory', false],
  ])(
    "counts a request until it has ended (%s): a slow link cannot put one call too many in OpenCX's window",
    async (_label, withRedis) => {
      // OpenCX allows 2 calls in any second. The first two requests spend 1.5 s on the link, so they
      // reach OpenCX after the limiter's window (1 s and its margin) has passed since they were sent.
      const upstream = await createOpenCxFakeServer({
        apiKey: KEY,
        rateLimitPerMinute: 2,
        rateLimitWindowMs: 1_000,
        rateLimitWindow: 'rolling',
      });
      const link = await slowLink(Number(new URL(upstream.url).port), 2, 1_500);
      try {
        const options = {
          baseUrl: link.url,
          cache: false as const,
          maxRetries: 0,
          rateLimit: { perMinute: 2, window: 1_000, maxWait: 5_000 },
          ...(withRedis ? {} : { redis: undefined }),
        };
        const a = await instance(options);
        // Two instances sharing Redis, or one in memory (separate memories do not share a quota).
        const b = withRedis ? await instance(options) : a;
        const outcomes = await Promise.all(
          [a, b, a].map((service, i) =>
            service.authenticateUser({ email: `slow${i}@example.com` }).catch((e: unknown) => e),
          ),
        );
        expect(outcomes.filter((outcome) => outcome instanceof Error)).toEqual([]);
        expect(upstream.statusCounts[429] ?? 0).toBe(0);
        const arrivals = upstream.authenticateRequests().map((request) => request.receivedAt);
        expect(arrivals[2]! - arrivals[0]!).toBeGreaterThanOrEqual(1_000);
      } finally {
        await link.close();
        await upstream.close();
      }
    },
    15_000,
  );

  it("falls back to this instance's share of the quota while Redis is unreachable, after a window", async () => {
    // Never reached: it cannot know what the fleet sent, so it waits a window before sending alone.
    const service = await instance({
      redis: 'redis://127.0.0.1:1',
      cache: false,
      totalTimeout: 5_000,
      rateLimit: { perMinute: 9, instances: 3, window: 1_000, maxWait: 1_500 },
    });
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        service.authenticateUser({ email: `d${i}@example.com` }).catch((e: unknown) => e),
      ),
    );
    expect(outcomes.filter((outcome) => outcome instanceof OpenCxClientRateLimitError)).toHaveLength(3);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[0]!.receivedAt - started).toBeGreaterThanOrEqual(1_000);
  });

  /** The app's own node-redis client, counting the scripts the library runs on it (heartbeats aside). */
  async function countedClient() {
    const client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    // Closed after the case, passed or failed.
    clients.push(client);
    const scripts: Array<{ how: 'evalSha' | 'eval'; key: string; bytes: number }> = [];
    const note = (how: 'evalSha' | 'eval', text: string, keys: string[]) => {
      if (!keys[0]!.includes('{fleet}')) scripts.push({ how, key: keys[0]!, bytes: text.length });
    };
    const counted = {
      eval: (script: string, options: { keys: string[]; arguments: string[] }) => {
        note('eval', script, options.keys);
        return client.eval(script, options);
      },
      evalSha: (sha: string, options: { keys: string[]; arguments: string[] }) => {
        note('evalSha', sha, options.keys);
        return client.evalSha(sha, options);
      },
      sendCommand: client.sendCommand.bind(client),
    };
    return { client, counted, scripts };
  }

  it("uses the app's own connected node-redis client, and leaves it open at shutdown", async () => {
    const { client, counted, scripts } = await countedClient();
    const service = await instance({ redis: counted, rateLimit: false });
    await service.authenticateUser({ email: EMAIL });
    await service.authenticateUser({ email: EMAIL });
    // A miss: look-up, the contact id's note, then the token. A returning user costs two Redis round
    // trips: the token, then whether its contact id's note names it (so deleteContact holds whatever
    // was done to the note).
    expect(scripts.map(({ key }) => key.slice(key.lastIndexOf(':') + 1))).toEqual([
      'token',
      'note',
      'token',
      'token',
      'note',
    ]);
    await modules.pop()!.close();
    expect(client.isOpen).toBe(true);
  });

  it('costs four or five Redis round trips a miss, each by SHA-1 once the server has the script', async () => {
    const { counted, scripts } = await countedClient();
    const service = await instance({ redis: counted });
    for (let i = 0; i < 20; i++) await service.authenticateUser({ email: `trip${i}@example.com` });
    await modules.pop()!.close();
    const bySha = scripts.filter(({ how }) => how === 'evalSha');
    const kinds = (kind: string) => bySha.filter(({ key }) => key.endsWith(`:${kind}`)).length;
    // Look-up (and lock), the contact id's note, store (and unlock): three a miss.
    expect(kinds('token')).toBe(40);
    expect(kinds('note')).toBe(20);
    // The rate-limit slot, and its release on its own unless the next call's slot carried it.
    expect(kinds('log')).toBeGreaterThanOrEqual(21);
    expect(kinds('log')).toBeLessThanOrEqual(40);
    expect(bySha).toHaveLength(kinds('token') + kinds('note') + kinds('log'));
    // Each script's text crosses the wire once, when the server first asks for it.
    expect(scripts.filter(({ how }) => how === 'eval').length).toBeLessThanOrEqual(5);
    expect(bySha.every(({ bytes }) => bytes === 40)).toBe(true);
  });
});
