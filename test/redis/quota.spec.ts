import { loadEveryCore } from '../support/busy-cores.mjs';
import { runQuota, type QuotaRun } from '../support/quota-run.mjs';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';
import { pastStartHold } from './fleet-harness.js';

// The quota measure of the benchmark, scaled down: OpenCX's 60 s window becomes 3 s and its quota
// 40 calls, with 100 users (2.5 windows of demand) instead of 1,000. The limiter's behaviour depends
// only on the ratios (users per quota, maxWait per window), so the scaled run checks the same
// properties in about 10 s a round instead of minutes.
// maxWait is a tenth over a window: a call at the second window's edge stays servable when a loaded
// machine is slow to get the first window's sends out (they free their slots that much later).
const SCALED = { users: 100, perWindow: 40, windowMs: 3_000, maxWait: 3_300 } as const;

describeWithRedis('quota suite')('using the whole quota, never more', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
    await pastStartHold(redis.url);
  }, 30_000);
  afterAll(() => redis?.stop());

  const cases: Array<[string, Omit<QuotaRun, keyof typeof SCALED | 'redis'>, boolean, boolean]> = [
    ['3 instances sharing Redis, upstream fixed window', { instances: 3, upstreamWindow: 'fixed' }, true, false],
    ['3 instances sharing Redis, upstream rolling window', { instances: 3, upstreamWindow: 'rolling' }, true, false],
    ['1 instance in memory, upstream rolling window', { instances: 1, upstreamWindow: 'rolling' }, false, false],
    [
      '3 instances sharing Redis, rolling window, every core busy',
      { instances: 3, upstreamWindow: 'rolling' },
      true,
      true,
    ],
    ['1 instance in memory, rolling window, every core busy', { instances: 1, upstreamWindow: 'rolling' }, false, true],
  ];

  let unload: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await unload?.();
    unload = undefined;
  });

  it.each(cases)(
    '%s',
    async (_label, shape, withRedis, loaded) => {
      if (loaded) unload = loadEveryCore();
      for (let round = 0; round < 3; round++) {
        await redis.flush();
        const result = await runQuota({ ...SCALED, ...shape, ...(withRedis ? { redis: redis.url } : {}) });
        expect(result.upstream429).toBe(0);
        expect(result.otherErrors).toBe(0);
        expect(result.servedBelowServable).toBe(0);
        expect(result.served).toBe(2 * SCALED.perWindow);
        expect(result.limited).toBe(SCALED.users - result.served);
        for (const use of result.quotaUse) expect(use).toBeGreaterThanOrEqual(0.95);
      }
    },
    60_000,
  );

  it.each([
    ['idle', false],
    ['every core busy', true],
  ])(
    'keeps the quota when Redis restarts empty mid-window and a wave of new users follows (%s)',
    async (_label, loaded) => {
      if (loaded) unload = loadEveryCore();
      const own = await startRedis();
      try {
        await pastStartHold(own.url);
        // A window's worth sent, Redis restarted without the keys that said so, then new users once
        // Redis answers again (and its restart hold, while the instances hand their sends back, is over).
        const WINDOW = 12_000;
        const result = await runQuota({
          instances: 3,
          users: SCALED.perWindow,
          perWindow: SCALED.perWindow,
          windowMs: WINDOW,
          maxWait: 13_200,
          upstreamWindow: 'rolling',
          redis: own.url,
          events: [
            { ms: 2_000, act: own.restart },
            { ms: 8_000, users: Math.round(0.6 * SCALED.perWindow) },
          ],
        });
        expect(result.upstream429).toBe(0);
        expect(result.mostInWindow).toBeLessThanOrEqual(SCALED.perWindow);
        expect(result.otherErrors).toBe(0);
        expect(result.served).toBeGreaterThanOrEqual(SCALED.perWindow);
      } finally {
        await own.stop();
      }
    },
    60_000,
  );
});
