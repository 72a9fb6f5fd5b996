import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promise 1): an upstream 429 pause keeps health `up` with `rateLimited: true`. When the
// last evidence before the 429 was a time-out (OpenCX overloaded: slow first, then 429), the 429
// answer itself is not taken as proof that OpenCX is reachable, and during the pause the probe has
// no slot: checkHealth() keeps answering the stale `down` / `reachable: false` for the whole pause,
// and terminus answers 503 for a pod that is only rate limited.

const KEY = 'sk_attack37_pause';

describe('attack37: health during an upstream 429 pause that follows a time-out', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, { healthCheckInterval?: number; window?: number }]>([
    ['short healthCheckInterval (a probe is due, and has no slot)', { healthCheckInterval: 100, window: 2_000 }],
    ['default healthCheckInterval and window (the time-out is still fresh)', {}],
  ])('is up and rateLimited while paused, OpenCX having answered the 429: %s', async (_label, knobs) => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: KEY,
          baseUrl: fake.url,
          cache: false,
          maxRetries: 0,
          timeout: 200,
          ...(knobs.healthCheckInterval ? { healthCheckInterval: knobs.healthCheckInterval } : {}),
          rateLimit: { maxWait: 0, ...(knobs.window ? { window: knobs.window } : {}) },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const service = app.get(ContactAuthService);
      fake.delayNext(1, 400);
      await expect(service.authenticateUser({ email: 'a@example.com' })).rejects.toMatchObject({
        name: 'OpenCxTimeoutError',
      });
      fake.failNext(1, 429, { retryAfter: 30 });
      await expect(service.authenticateUser({ email: 'b@example.com' })).rejects.toMatchObject({
        name: 'OpenCxRateLimitError',
      });
      // Past healthCheckInterval and the probe spacing (window / 20): a probe would be due.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const health = await service.checkHealth();
      expect(health).toMatchObject({ rateLimited: true, pausedUntil: expect.any(String) });
      expect(health).toMatchObject({ status: 'up', reachable: true });
    } finally {
      await app.close();
    }
  });
});
