import { Test, type TestingModule } from '@nestjs/testing';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { reportSection } from './report.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

const row = reportSection(
  '4-frozen-redis',
  'A Redis that stops answering',
  'redis-server is stopped with SIGSTOP mid-run (it keeps its connections and answers nothing), then continued.',
);

const KEY = 'sk_frozen_redis_CANARY';

/** Milliseconds `work` took. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

describeWithRedis('frozen Redis suite')('a Redis that stops answering (SIGSTOP) mid-run', () => {
  let redis: RedisServer;
  let fake: OpenCxFakeServer;
  let moduleRef: TestingModule;
  let service: ContactAuthService;

  beforeAll(async () => {
    redis = await startRedis();
    fake = await createOpenCxFakeServer({ apiKey: KEY });
    moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, redis: redis.url, redisTimeout: 250 })],
    }).compile();
    moduleRef.useLogger(false);
    service = moduleRef.get(ContactAuthService);
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    redis?.thaw();
    await moduleRef?.close();
    await fake?.close();
    await redis?.stop();
  });

  it('costs one bounded wait, then calls and health checks go on in memory; recovery is automatic', async () => {
    await service.authenticateUser({ email: 'before@example.com' });
    redis.freeze();
    // The first call meets the frozen server: one wait of redisTimeout, not one per operation.
    const first = await timed(() => service.authenticateUser({ email: 'first@example.com' }));
    row({ case: 'first call after the freeze', outcome: 'answered, in memory', 'time (ms)': Math.round(first) });
    expect(first).toBeLessThan(2_000);
    // The circuit is open: the next calls and the readiness check do not wait for Redis at all.
    const burst = await timed(() =>
      Promise.all(Array.from({ length: 20 }, (_, i) => service.authenticateUser({ email: `during-${i}@example.com` }))),
    );
    const health = await timed(() => service.checkHealth());
    row({ case: '20 more calls while frozen', outcome: 'answered, in memory', 'time (ms)': Math.round(burst) });
    row({ case: 'readiness check while frozen', outcome: 'answered', 'time (ms)': Math.round(health) });
    expect(burst).toBeLessThan(1_000);
    expect(health).toBeLessThan(1_000);
    expect(fake.authenticateRequests().length).toBeGreaterThanOrEqual(22);

    redis.thaw();
    await redis.flush();
    // After the breaker's cool-down one call tries Redis again and the fleet shares state anew.
    const deadline = Date.now() + 15_000;
    let shared = false;
    while (!shared && Date.now() < deadline) {
      await service.authenticateUser({ email: `after-${Date.now()}@example.com` });
      shared = Object.keys(await redis.dump()).some((key) => key.endsWith(':token'));
      if (!shared) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    row({
      case: 'after SIGCONT',
      outcome: shared ? 'the fleet shares state again' : 'still in memory',
      'time (ms)': '-',
    });
    expect(shared).toBe(true);
  }, 30_000);
});
