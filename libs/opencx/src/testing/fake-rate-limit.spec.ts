import { FakeRateLimit } from './fake-rate-limit.js';
import { createOpenCxFakeServer } from './fake-server.js';

describe('FakeRateLimit', () => {
  it('gives each API key its own window', () => {
    const limit = new FakeRateLimit(2, 60_000, 'rolling');
    expect([limit.take('a', 0), limit.take('a', 1), limit.take('b', 2), limit.take('b', 3)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(limit.take('a', 4)).toEqual({ retryAfterSeconds: 60 });
    expect(limit.take('b', 5)).toEqual({ retryAfterSeconds: 60 });
    expect(limit.take('c', 6)).toBeUndefined();
  });

  it('rolling: a slot frees a window after the request that took it', () => {
    const limit = new FakeRateLimit(2, 1_000, 'rolling');
    limit.take('k', 0);
    limit.take('k', 600);
    expect(limit.take('k', 999)).toEqual({ retryAfterSeconds: 1 });
    expect(limit.take('k', 1_000)).toBeUndefined();
    expect(limit.take('k', 1_500)).toEqual({ retryAfterSeconds: 1 });
    expect(limit.take('k', 1_600)).toBeUndefined();
  });

  it('fixed: windows follow each other back to back from the first request, each key counted in each', () => {
    const limit = new FakeRateLimit(1, 1_000, 'fixed');
    expect(limit.take('a', 500)).toBeUndefined();
    expect(limit.take('a', 1_499)).toEqual({ retryAfterSeconds: 1 });
    expect(limit.take('b', 1_499)).toBeUndefined();
    expect(limit.take('a', 1_500)).toBeUndefined();
    // Windows keep their grid however long the fake was idle.
    expect(limit.take('a', 1_000_000_400)).toBeUndefined();
    expect(limit.take('a', 1_000_000_499)).toEqual({ retryAfterSeconds: 1 });
  });

  it('forgets idle keys as it goes, and everything on set or reset', () => {
    const limit = new FakeRateLimit(1, 10, 'rolling');
    for (let i = 0; i < 2_000; i++) limit.take(`key-${i}`, i * 100);
    expect((limit as unknown as { keys: Map<string, unknown> }).keys.size).toBeLessThan(1_100);
    limit.take('x', 1_000_000);
    expect(limit.take('x', 1_000_001)).toBeDefined();
    limit.set(5);
    expect(limit.take('x', 1_000_002)).toBeUndefined();
    limit.set(undefined);
    for (let i = 0; i < 10; i++) expect(limit.take('x', 1_000_003)).toBeUndefined();
  });
});

describe('createOpenCxFakeServer rate limit', () => {
  it('counts per API key: two keys each get the limit, as OpenCX is assumed to count', async () => {
    const fake = await createOpenCxFakeServer({ rateLimitPerMinute: 2 });
    try {
      const statuses: number[] = [];
      for (const key of ['sk_a', 'sk_b', 'sk_a', 'sk_b', 'sk_a', 'sk_b']) {
        const response = await fetch(`${fake.url}/contacts`, { headers: { authorization: `Bearer ${key}` } });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      expect(fake.statusCounts).toEqual({ 200: 4, 429: 2 });
    } finally {
      await fake.close();
    }
  });
});
