import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { CANARY, startSampleApp, type SampleHarness } from '../support/sample-app.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { pastStartHold } from './fleet-harness.js';

const USERS = 300;
const CALLS = 1_000;
const DOCUMENTED = new Set([201, 502, 503, 504]);

async function authenticate(url: string, email: string): Promise<number> {
  const response = await fetch(`${url}/v1/contacts/authenticate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': CANARY.serviceKey },
    body: JSON.stringify({ email }),
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  return response.status;
}

describeWithRedis('Redis fleet suite')('a fleet of three sample apps sharing Redis', () => {
  let redis: RedisServer;
  let fake: OpenCxFakeServer;
  let apps: SampleHarness[];

  /** A fresh fleet: its own Redis, fake OpenCX and three apps (a new minute for the limiter). */
  async function startFleet(): Promise<void> {
    redis = await startRedis();
    fake = await createOpenCxFakeServer({ apiKey: CANARY.orgApiKey, rateLimitPerMinute: USERS });
    const env = {
      REDIS_URL: redis.url,
      OPENCX_CACHE_TTL_MS: '',
      OPENCX_RATE_LIMIT: String(USERS),
      // Generous: 1,000 calls at once on two busy cores, and each must still get its token.
      OPENCX_TIMEOUT_MS: '10000',
    };
    apps = await Promise.all([1, 2, 3].map(() => startSampleApp(env, { fake })));
    // A new server grants nothing for its first seconds (it may have lost what the fleet sent).
    await pastStartHold(redis.url);
  }

  async function stopFleet(): Promise<void> {
    await Promise.all((apps ?? []).map((app) => app.close()));
    await fake?.close();
    await redis?.stop();
  }

  beforeEach(() => startFleet(), 60_000);
  afterEach(() => stopFleet());

  it(`${CALLS} calls for ${USERS} users over 3 instances: no upstream 429, at most one upstream call per user`, async () => {
    const statuses = await Promise.all(
      Array.from({ length: CALLS }, (_, i) => authenticate(apps[i % 3]!.url, `fleet-user-${i % USERS}@example.com`)),
    );
    const perUser = new Map<string, number>();
    for (const request of fake.authenticateRequests()) {
      const email = (request.body as { email: string }).email;
      perUser.set(email, (perUser.get(email) ?? 0) + 1);
    }
    expect([...perUser].filter(([, calls]) => calls > 1)).toEqual([]);
    expect(fake.statusCounts[429] ?? 0).toBe(0);
    expect(perUser.size).toBeLessThanOrEqual(USERS);
    expect(statuses.filter((status) => !DOCUMENTED.has(status))).toEqual([]);
    expect(statuses.filter((s) => s === 201).length).toBe(CALLS);
  }, 120_000);

  it("keeps the quota when Redis dies mid-run: new and returning users within the fleet's shares", async () => {
    const returning = Array.from({ length: 9 }, (_, i) => `outage-returning-${i}@example.com`);
    for (const [i, email] of returning.entries()) expect(await authenticate(apps[i % 3]!.url, email)).toBe(201);
    const pending: Promise<number>[] = [];
    for (let i = 0; i < 90; i++) {
      // Redis is killed while the first third of the requests are still in flight.
      if (i === 30) void redis.stop();
      pending.push(authenticate(apps[i % 3]!.url, `outage-user-${i}@example.com`));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const statuses = await Promise.all(pending);
    // Served, or refused by the client-side limit (503) while the instances wait out what the
    // others may have sent: never an upstream 429, never a 500.
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(fake.statusCounts[429] ?? 0).toBe(0);
    // A token saved through Redis is never served from memory (another instance may have evicted it
    // through Redis): the users seen before wait for their instance's share like new ones.
    const again = await Promise.all(returning.map((email, i) => authenticate(apps[i % 3]!.url, email)));
    expect(again.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(fake.statusCounts[429] ?? 0).toBe(0);
    const warned = apps.some((app) => app.lines.some((line) => /Redis unavailable/.test(line)));
    expect(warned).toBe(true);
  }, 120_000);
});
