import { jest } from '@jest/globals';
import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  ContactAuthService,
  OpenCxModule,
  OpenCxStoreError,
  OpenCxTimeoutError,
  type OpenCxModuleOptions,
} from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { createClient } from 'redis';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { reportSection } from './report.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

const row = reportSection(
  '6-fleet-edges',
  'Promises at the edges, across a fleet sharing Redis',
  'A real redis-server, written to by a test as an attacker could, killed and frozen mid-window; every row is a regression test.',
);

const KEY = 'sk_fleet_edges_CANARY_77';
/** The hashes the library names Redis keys with (a contact, the limiter): as an attacker with the key could compute them. */
const contactKey = (email: string): string =>
  createHash('sha256').update(`${KEY}\u0000${email.trim().toLowerCase()}`).digest('base64url');
const limiterKey = createHash('sha256').update(KEY).digest('base64url');

describeWithRedis('fleet edges suite')('promises at the edges, across a fleet sharing Redis', () => {
  let redis: RedisServer;
  let fake: OpenCxFakeServer;
  let client: ReturnType<typeof createClient>;
  const modules: TestingModule[] = [];

  async function instance(options: Partial<OpenCxModuleOptions> = {}): Promise<ContactAuthService> {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, redis: redis.url, maxRetries: 0, ...options })],
    }).compile();
    moduleRef.useLogger(false);
    modules.push(moduleRef);
    return moduleRef.get(ContactAuthService);
  }

  beforeAll(async () => {
    redis = await startRedis();
    fake = await createOpenCxFakeServer({ apiKey: KEY });
    client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
  }, HOOK_TIMEOUT_MS);
  beforeEach(async () => {
    fake.reset();
    await redis.flush();
  });
  afterEach(async () => {
    redis?.thaw();
    await Promise.all(modules.splice(0).map((moduleRef) => moduleRef.close()));
  });
  afterAll(async () => {
    client?.destroy();
    await fake?.close();
    await redis?.stop();
  });

  it("never serves a contact another contact's token moved to its key in Redis", async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const service = await instance();
    const alice = await service.authenticateUser({ email: 'alice@example.com' });
    await service.authenticateUser({ email: 'mallory@example.com' });
    // A token is stored after the call answered (best effort): wait until both entries are in Redis.
    const stored = async () =>
      (await client.exists([
        `opencx:{${contactKey('alice@example.com')}}:token`,
        `opencx:{${contactKey('mallory@example.com')}}:token`,
      ])) === 2;
    for (const started = Date.now(); !(await stored()) && Date.now() - started < 5_000;)
      await new Promise((resolve) => setTimeout(resolve, 20));
    // Whoever can write to Redis, without the API key, copies Alice's sealed entry to Mallory's key.
    const sealed = await client.get(`opencx:{${contactKey('alice@example.com')}}:token`);
    const mallorysPayload = String(await client.get(`opencx:{${contactKey('mallory@example.com')}}:token`)).split(
      '.',
    )[0];
    await client.set(
      `opencx:{${contactKey('mallory@example.com')}}:token`,
      `${mallorysPayload}.${String(sealed).split('.').slice(1).join('.')}`,
    );
    const mallory = await service.authenticateUser({ email: 'mallory@example.com' });
    row({
      case: "Alice's sealed entry moved to Mallory's key",
      promise: 'an entry answers only its own key and profile',
      outcome:
        mallory.token === alice.token ? "Mallory got Alice's token" : 'a miss, logged; Mallory got her own token',
    });
    expect(mallory.token).not.toBe(alice.token);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('integrity'));
    warn.mockRestore();
  });

  it("bounds a call by totalTimeout while a dead instance holds the contact's lock", async () => {
    const service = await instance();
    await client.set(`opencx:{${contactKey('locked@example.com')}}:lock`, 'a-dead-instance', { PX: 120_000 });
    const started = performance.now();
    const outcome = await service
      .authenticateUser({ email: 'locked@example.com' }, { totalTimeout: 1_000 })
      .catch((e: unknown) => e);
    const took = performance.now() - started;
    row({
      case: 'lock held by a dead instance, totalTimeout 1000',
      promise: 'totalTimeout bounds everything',
      outcome: `${(outcome as Error).name ?? 'answered'} after ${Math.round(took)} ms`,
    });
    expect(outcome).toBeInstanceOf(OpenCxTimeoutError);
    expect(took).toBeLessThan(1_500);
  });

  it('bounds a call by totalTimeout when Redis freezes', async () => {
    const service = await instance({ redisTimeout: 5_000 });
    await service.authenticateUser({ email: 'before-freeze@example.com' });
    redis.freeze();
    const started = performance.now();
    const outcome = await service
      .authenticateUser({ email: 'frozen@example.com' }, { totalTimeout: 1_000 })
      .catch((e: unknown) => e);
    const took = performance.now() - started;
    redis.thaw();
    row({
      case: 'Redis frozen, redisTimeout 5000, totalTimeout 1000',
      promise: 'totalTimeout bounds everything',
      outcome: `${outcome instanceof Error ? outcome.name : 'answered'} after ${Math.round(took)} ms`,
    });
    expect(took).toBeLessThan(1_500);
  });

  it.each([
    ['garbage', 'not-a-number'],
    ['1e300', '1e300'],
  ])('reads a %s pause value as untrusted: capped, health never throws, calls resume', async (label, value) => {
    const service = await instance({ cache: false, maxRetryAfter: 1_000, rateLimit: { maxWait: 2_000 } });
    await service.authenticateUser({ email: 'warm@example.com' });
    await client.set(`opencx:{${limiterKey}}:pause`, value);
    const health = await service.checkHealth();
    const pausedFor = health.pausedUntil ? Date.parse(health.pausedUntil) - Date.now() : 0;
    const later = await service.authenticateUser({ email: `after-${label}@example.com` }).catch((e: unknown) => e);
    const ttl = await client.pTTL(`opencx:{${limiterKey}}:pause`);
    row({
      case: `pause key set to ${label} by hand`,
      promise: 'values read from Redis are untrusted',
      outcome: `health ${health.status}, paused at most ${Math.max(0, Math.round(pausedFor))} ms, next call ${later instanceof Error ? later.name : 'answered'}, key TTL ${ttl} ms`,
    });
    expect(pausedFor).toBeLessThanOrEqual(1_000);
    expect(later).not.toBeInstanceOf(Error);
    expect(ttl === -2 || ttl > 0).toBe(true);
  });

  it('gives every key it writes a TTL', async () => {
    const service = await instance();
    await service.authenticateUser({ email: 'ttl@example.com' });
    await service.evictContact('ttl@example.com');
    await service.authenticateUser({ email: 'ttl2@example.com' });
    const keys = await client.keys('opencx:*');
    const ttls = await Promise.all(keys.map(async (key) => [key, await client.pTTL(key)] as const));
    // -1: no TTL. (-2 is a key gone since KEYS read it: a lock released after the call answered.)
    const without = ttls.filter(([, ttl]) => ttl === -1).map(([key]) => key.split(':').at(-1));
    row({
      case: 'every key after a call, an eviction and another call',
      promise: 'every key has a TTL',
      outcome: without.length === 0 ? `${keys.length} keys, all with a TTL` : `no TTL: ${without.join(', ')}`,
    });
    expect(without).toEqual([]);
  });

  it('says so with a typed error when an eviction cannot reach Redis', async () => {
    const service = await instance({ redisTimeout: 200 });
    await service.authenticateUser({ email: 'evict@example.com' });
    await redis.stop();
    const error = await service.evictContact('evict@example.com').catch((e: unknown) => e);
    redis = await startRedis();
    await client.disconnect().catch(() => undefined);
    client = createClient({ url: redis.url });
    client.on('error', () => undefined);
    await client.connect();
    row({ case: 'evictContact with Redis down', promise: 'only OpenCxError', outcome: (error as Error).name });
    expect(error).toBeInstanceOf(OpenCxStoreError);
  });

  it('keeps no answer in flight on another instance when evictContact resolved', async () => {
    const [a, b] = [await instance(), await instance()];
    fake.delayNext(1, 300);
    const inFlight = a.authenticateUser({ email: 'gone@example.com' });
    await fake.nextRequest();
    await b.evictContact('gone@example.com');
    await inFlight;
    await b.authenticateUser({ email: 'gone@example.com' });
    row({
      case: "an eviction on one instance while another's answer is in flight",
      promise: 'eviction wins across the fleet',
      outcome: `${fake.requests.length} upstream calls (2: nothing cached from before)`,
    });
    expect(fake.requests).toHaveLength(2);
  });

  it.each([
    ['killed', (server: RedisServer) => void server.process.kill('SIGKILL')],
    ['frozen', (server: RedisServer) => server.freeze()],
  ])(
    'keeps the quota when Redis is %s mid-window: 3 instances, the upstream counting arrivals',
    async (label, fail) => {
      const WINDOW = 3_000;
      const QUOTA = 12;
      const upstream = await createOpenCxFakeServer({
        apiKey: KEY,
        rateLimitPerMinute: QUOTA,
        rateLimitWindowMs: WINDOW,
        rateLimitWindow: 'rolling',
      });
      const own = label === 'killed' ? await startRedis() : redis;
      try {
        const options = {
          baseUrl: upstream.url,
          redis: own.url,
          redisTimeout: 300,
          cache: false as const,
          totalTimeout: 2_000,
          rateLimit: { perMinute: QUOTA, window: WINDOW, maxWait: 1_000 },
        };
        const fleet = [await instance(options), await instance(options), await instance(options)];
        const calls: Array<Promise<unknown>> = [];
        const started = performance.now();
        for (let i = 0; performance.now() - started < 3.5 * WINDOW; i++) {
          if (i === 30) fail(own);
          calls.push(
            fleet[i % 3]!.authenticateUser({ email: `failover-${label}-${i}@example.com` }).catch((e: unknown) => e),
          );
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await Promise.all(calls);
        const arrivals = upstream
          .authenticateRequests()
          .map((request) => request.receivedAt)
          .toSorted((a, b) => a - b);
        const most = Math.max(0, ...arrivals.map((at) => arrivals.filter((t) => t >= at && t < at + WINDOW).length));
        row({
          case: `Redis ${label} mid-window, 3 instances, quota ${QUOTA} per ${WINDOW} ms`,
          promise: 'never over the quota, during failover and after',
          outcome: `${arrivals.length} sent, at most ${most} in a window, ${upstream.statusCounts[429] ?? 0} upstream 429s`,
        });
        expect(upstream.statusCounts[429] ?? 0).toBe(0);
        expect(most).toBeLessThanOrEqual(QUOTA);
      } finally {
        own.thaw();
        if (own !== redis) await own.stop().catch(() => undefined);
        await upstream.close();
      }
    },
    30_000,
  );
});
