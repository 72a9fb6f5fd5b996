import {
  OpenCxAbortError,
  OpenCxApiError,
  OpenCxClientRateLimitError,
  OpenCxRateLimitError,
} from './errors/opencx.errors.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

const API_KEY = 'sk_cache_canary_31337';
const EMAIL = 'cached.person@example.com';

describe('ContactAuthService: single-flight, token cache and client-side rate limit', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5 });

  describe('single-flight', () => {
    it('shares one upstream request among concurrent identical calls', async () => {
      const service = await h.boot({ cache: false });
      h.fake.delayNext(1, 100);
      const results = await Promise.all(Array.from({ length: 20 }, () => service.authenticateUser({ email: EMAIL })));
      expect(h.fake.requests).toHaveLength(1);
      expect(new Set(results.map((r) => r.token)).size).toBe(1);
    });

    it('shares the error too', async () => {
      const service = await h.boot({ cache: false });
      h.fake.failNext(1, 400);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e)),
      );
      expect(h.fake.requests).toHaveLength(1);
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(OpenCxApiError);
    });

    it('does not share across payloads or API keys', async () => {
      const service = await h.boot({ cache: false });
      await Promise.all([
        service.authenticateUser({ email: EMAIL }),
        service.authenticateUser({ email: 'other@example.com' }),
        service.authenticateUser({ email: EMAIL, language: 'fr' }),
      ]);
      expect(h.fake.requests).toHaveLength(3);
    });

    it('lets the first caller abort while the others still get the answer', async () => {
      const service = await h.boot();
      h.fake.delayNext(1, 150);
      const leader = new AbortController();
      const first = service.authenticateUser({ email: EMAIL }, { signal: leader.signal });
      const plain = service.authenticateUser({ email: EMAIL });
      const patient = service.authenticateUser({ email: EMAIL }, { signal: new AbortController().signal });
      leader.abort();
      await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
      await expect(plain).resolves.toHaveProperty('token');
      await expect(patient).resolves.toHaveProperty('token');
      expect(h.fake.requests).toHaveLength(1);
    });
  });

  describe('token cache', () => {
    it('answers a repeated payload from the cache, whatever its key order', async () => {
      const service = await h.boot();
      const first = await service.authenticateUser({ email: EMAIL, name: 'C' });
      const second = await service.authenticateUser({ name: 'C', email: EMAIL });
      expect(second).toEqual(first);
      expect(h.fake.requests).toHaveLength(1);
    });

    it('asks again when the profile changed, and keeps one entry per contact', async () => {
      const service = await h.boot();
      await service.authenticateUser({ email: EMAIL, name: 'Old' });
      await service.authenticateUser({ email: EMAIL, name: 'New' });
      await service.authenticateUser({ email: EMAIL, name: 'Old' });
      // 'Old' was replaced by 'New', so asking for 'Old' again is a miss.
      expect(h.fake.requests).toHaveLength(3);
      await service.authenticateUser({ email: EMAIL, name: 'Old' });
      expect(h.fake.requests).toHaveLength(3);
    });

    it("'refresh' asks OpenCX and stores the new token; 'bypass' neither reads nor writes", async () => {
      const service = await h.boot();
      await service.authenticateUser({ email: EMAIL });
      const refreshed = await service.authenticateUser({ email: EMAIL }, { cache: 'refresh' });
      expect((await service.authenticateUser({ email: EMAIL })).token).toBe(refreshed.token);
      await service.authenticateUser({ email: EMAIL }, { cache: 'bypass' });
      expect((await service.authenticateUser({ email: EMAIL })).token).toBe(refreshed.token);
      expect(h.fake.requests).toHaveLength(3);
    });

    it('is off with cache: false', async () => {
      const service = await h.boot({ cache: false });
      await service.authenticateUser({ email: EMAIL });
      await service.authenticateUser({ email: EMAIL });
      expect(h.fake.requests).toHaveLength(2);
    });

    it('evictContact forgets the contact, whatever the email case, and only that contact', async () => {
      const service = await h.boot();
      await service.authenticateUser({ email: EMAIL });
      await service.authenticateUser({ email: 'kept@example.com' });
      await service.evictContact(EMAIL.toUpperCase());
      await service.authenticateUser({ email: EMAIL });
      await service.authenticateUser({ email: 'kept@example.com' });
      expect(h.fake.requests).toHaveLength(3);
      await expect(service.evictContact('')).rejects.toThrow(/email/);
    });

    it('rejects an unknown per-call cache mode', async () => {
      const service = await h.boot();
      await expect(service.authenticateUser({ email: EMAIL }, { cache: 'sometimes' as never })).rejects.toThrow(
        /per-call cache must be/,
      );
    });
  });

  describe('client-side rate limit', () => {
    it('allows perMinute calls per key, then fails at once when the wait exceeds maxWait', async () => {
      const service = await h.boot({ cache: false, rateLimit: { perMinute: 3, maxWait: 200 } });
      for (let i = 0; i < 3; i++) await service.authenticateUser({ email: `u${i}@example.com` });
      const error = (await service
        .authenticateUser({ email: 'u4@example.com' })
        .catch((e: unknown) => e)) as OpenCxClientRateLimitError;
      expect(error).toBeInstanceOf(OpenCxClientRateLimitError);
      expect(error.reason).toBe('max-wait');
      expect(error.retryAfter).toBeGreaterThan(0);
      expect(h.fake.requests).toHaveLength(3);
    });

    it('counts per API key', async () => {
      await h.restartFake({});
      const service = await h.boot({ cache: false, rateLimit: { perMinute: 1, maxWait: 0 } });
      await service.authenticateUser({ email: EMAIL });
      await expect(service.authenticateUser({ email: EMAIL }, { apiKey: 'sk_other_org_key' })).resolves.toHaveProperty(
        'token',
      );
      await expect(service.authenticateUser({ email: 'x@example.com' })).rejects.toBeInstanceOf(
        OpenCxClientRateLimitError,
      );
      await h.restartFake({ apiKey: API_KEY });
    });

    it("pauses the whole key after an upstream 429's Retry-After, capped at maxRetryAfter", async () => {
      const service = await h.boot({ cache: false, maxRetries: 0, maxRetryAfter: 5_000 });
      h.fake.failNext(1, 429, { retryAfter: 86_400 });
      await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxRateLimitError);
      const health = await service.checkHealth();
      // Rate limited is normal operation: up, saying so and until when.
      expect([health.status, health.rateLimited]).toEqual(['up', true]);
      const pausedFor = Date.parse(health.pausedUntil!) - Date.now();
      expect(pausedFor).toBeGreaterThan(3_000);
      expect(pausedFor).toBeLessThanOrEqual(5_000);
      // A later call waits out the pause (within maxWait) or fails at once; it never waits a day.
      await expect(
        service.authenticateUser({ email: 'other@example.com' }, { totalTimeout: 1_000 }),
      ).rejects.toBeInstanceOf(OpenCxClientRateLimitError);
      expect(h.fake.requests).toHaveLength(1);
    });
  });
});
