import { Test, type TestingModule } from '@nestjs/testing';
import { Keyv } from 'keyv';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxAbortError, OpenCxBadRequestError, OpenCxRateLimitError } from './errors/opencx.errors.js';
import { OpenCxModule } from './opencx.module.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

const API_KEY = 'sk_cache_canary_31337';
const EMAIL = 'cached.person@example.com';

describe('ContactAuthService: single-flight, token cache and client-side rate limit', () => {
  let fake: OpenCxFakeServer;
  let moduleRef: TestingModule | undefined;
  let service: ContactAuthService;

  async function boot(options: Partial<OpenCxModuleOptions> = {}, fakeOptions = {}): Promise<void> {
    await moduleRef?.close();
    await fake?.close();
    fake = await createOpenCxFakeServer({ apiKey: API_KEY, ...fakeOptions });
    moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ apiKey: API_KEY, baseUrl: fake.url, retryDelay: 1, maxRetryDelay: 5, ...options }),
      ],
    }).compile();
    service = moduleRef.get(ContactAuthService);
  }

  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
    await fake.close();
  });

  describe('single-flight', () => {
    it('shares one upstream request among concurrent identical calls', async () => {
      await boot({ cache: false });
      fake.delayNext(1, 100);
      const results = await Promise.all(Array.from({ length: 20 }, () => service.authenticateUser({ email: EMAIL })));
      expect(fake.requests).toHaveLength(1);
      expect(new Set(results.map((r) => r.token)).size).toBe(1);
    });

    it('shares the error too', async () => {
      await boot({ cache: false });
      fake.failNext(1, 400);
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, () => service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e)),
      );
      expect(fake.requests).toHaveLength(1);
      for (const outcome of outcomes) expect(outcome).toBeInstanceOf(OpenCxBadRequestError);
    });

    it('does not share across payloads or API keys', async () => {
      await boot({ cache: false });
      await Promise.all([
        service.authenticateUser({ email: EMAIL }),
        service.authenticateUser({ email: 'other@example.com' }),
        service.authenticateUser({ email: EMAIL, language: 'fr' }),
      ]);
      expect(fake.requests).toHaveLength(3);
    });

    it('lets one caller abort without failing the others, and cancels only when all abort', async () => {
      await boot({ cache: false });
      fake.delayNext(1, 150);
      const quitter = new AbortController();
      const first = service.authenticateUser({ email: EMAIL }, { signal: quitter.signal });
      const second = service.authenticateUser({ email: EMAIL });
      setTimeout(() => quitter.abort(), 20);
      await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
      await expect(second).resolves.toHaveProperty('token');
      expect(fake.requests).toHaveLength(1);
    });
  });

  describe('token cache', () => {
    it('answers a repeated payload from the cache, whatever its key order', async () => {
      await boot();
      const first = await service.authenticateUser({ email: EMAIL, name: 'C' });
      const second = await service.authenticateUser({ name: 'C', email: EMAIL });
      expect(second).toEqual(first);
      expect(fake.requests).toHaveLength(1);
    });

    it('keeps an entry until min(ttl, exp - skew)', async () => {
      await boot({ cache: { ttl: 60_000, skew: 1_000 } }, { tokenTtlSeconds: 2 });
      await service.authenticateUser({ email: EMAIL });
      await service.authenticateUser({ email: EMAIL });
      expect(fake.requests).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await service.authenticateUser({ email: EMAIL });
      expect(fake.requests).toHaveLength(2);
    });

    it("honours the configured ttl when it is shorter than the token's life", async () => {
      await boot({ cache: { ttl: 100 } });
      await service.authenticateUser({ email: EMAIL });
      await new Promise((resolve) => setTimeout(resolve, 150));
      await service.authenticateUser({ email: EMAIL });
      expect(fake.requests).toHaveLength(2);
    });

    it("'refresh' asks OpenCX and stores the new token; 'bypass' neither reads nor writes", async () => {
      await boot();
      const first = await service.authenticateUser({ email: EMAIL });
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      const refreshed = await service.authenticateUser({ email: EMAIL }, { cache: 'refresh' });
      expect(refreshed.token).not.toBe(first.token);
      expect((await service.authenticateUser({ email: EMAIL })).token).toBe(refreshed.token);
      const bypassed = await service.authenticateUser({ email: EMAIL }, { cache: 'bypass' });
      expect((await service.authenticateUser({ email: EMAIL })).token).toBe(refreshed.token);
      expect(bypassed.token).toBeDefined();
      expect(fake.requests).toHaveLength(3);
    });

    it('is off with cache: false', async () => {
      await boot({ cache: false });
      await service.authenticateUser({ email: EMAIL });
      await service.authenticateUser({ email: EMAIL });
      expect(fake.requests).toHaveLength(2);
    });

    it('stores only hashed keys and no email in a custom Keyv store', async () => {
      const map = new Map<string, unknown>();
      await boot({ cache: { store: new Keyv({ store: map }) } });
      await service.authenticateUser({ email: EMAIL, phone: '+15550100777' });
      expect(map.size).toBe(1);
      const dump = JSON.stringify([...map]);
      for (const secret of [EMAIL, API_KEY, '+15550100777']) expect(dump).not.toContain(secret);
    });

    it('treats a failing store as a miss and still answers', async () => {
      const broken = {
        get: () => Promise.reject(new Error('store down')),
        set: () => Promise.reject(new Error('store down')),
        delete: () => Promise.reject(new Error('store down')),
        clear: () => Promise.reject(new Error('store down')),
      };
      await boot({ cache: { store: new Keyv({ store: broken }) } });
      await expect(service.authenticateUser({ email: EMAIL })).resolves.toHaveProperty('token');
      await expect(service.authenticateUser({ email: EMAIL })).resolves.toHaveProperty('token');
      expect(fake.requests).toHaveLength(2);
    });

    it('rejects an unknown per-call cache mode', async () => {
      await boot();
      await expect(service.authenticateUser({ email: EMAIL }, { cache: 'sometimes' as never })).rejects.toThrow(
        /cache/,
      );
    });
  });

  describe('client-side rate limit', () => {
    it('allows perMinute calls per key, then fails fast with OpenCxRateLimitError when the wait exceeds maxWait', async () => {
      await boot({ cache: false, rateLimit: { perMinute: 3, maxWait: 200 } });
      for (let i = 0; i < 3; i++) await service.authenticateUser({ email: `u${i}@example.com` });
      const started = Date.now();
      const error = (await service
        .authenticateUser({ email: 'u4@example.com' })
        .catch((e: unknown) => e)) as OpenCxRateLimitError;
      expect(error).toBeInstanceOf(OpenCxRateLimitError);
      expect(error.retryAfter).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(200);
      expect(fake.requests).toHaveLength(3);
    });

    it('counts per API key', async () => {
      await boot({ cache: false, rateLimit: { perMinute: 1, maxWait: 0 } }, { apiKey: undefined });
      await service.authenticateUser({ email: EMAIL });
      await expect(service.authenticateUser({ email: EMAIL }, { apiKey: 'sk_other_org_key' })).resolves.toHaveProperty(
        'token',
      );
      await expect(service.authenticateUser({ email: 'x@example.com' })).rejects.toBeInstanceOf(OpenCxRateLimitError);
    });

    it("pauses the whole key after an upstream 429's Retry-After, not just the call that got it", async () => {
      await boot({ cache: false, rateLimit: { perMinute: 100, maxWait: 5_000 } });
      fake.failNext(1, 429, { retryAfter: 1 });
      const first = service.authenticateUser({ email: EMAIL });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const other = service.authenticateUser({ email: 'other@example.com' });
      await Promise.all([first, other]);
      const otherRequest = fake.requests.find((r) => (r.body as { email: string }).email === 'other@example.com')!;
      expect(otherRequest.receivedAt - fake.requests[0]!.receivedAt).toBeGreaterThanOrEqual(900);
    });

    it('bounds the queue: past maxQueue waiting calls, a call fails at once', async () => {
      await boot({ cache: false, rateLimit: { perMinute: 1, maxWait: 5_000, maxQueue: 0 } });
      await service.authenticateUser({ email: EMAIL });
      await expect(service.authenticateUser({ email: 'x@example.com' })).rejects.toBeInstanceOf(OpenCxRateLimitError);
    });
  });
});
