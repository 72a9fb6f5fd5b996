import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promise 1, operator's view): `rateLimited: true` while rate limiting holds calls back,
// e.g. no free rate-limit slot for a probe. Under load, every slot of the window is taken and
// users get 503s from the client-side limit, but a recent 2xx answers the check from memory
// (healthCheckInterval, 60 s by default): no slot is looked at, and readiness says
// `rateLimited: false` for the whole window the pod is refusing calls.

const KEY = 'sk_attack37_flag';

describe('attack37: the rateLimited flag while the client-side limit refuses calls', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  afterAll(() => fake.close());

  it('says rateLimited while the window has no free slot and calls are refused', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: KEY,
          baseUrl: fake.url,
          cache: false,
          rateLimit: { perMinute: 2, maxWait: 0 },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const service = app.get(ContactAuthService);
      await service.authenticateUser({ email: 'a@example.com' });
      await service.authenticateUser({ email: 'b@example.com' });
      // The window is full: the next user is refused before anything is sent.
      await expect(service.authenticateUser({ email: 'c@example.com' })).rejects.toMatchObject({
        name: 'OpenCxClientRateLimitError',
      });
      const health = await service.checkHealth();
      expect(health.status).toBe('up');
      expect(health.rateLimited).toBe(true);
    } finally {
      await app.close();
      jest.restoreAllMocks();
    }
  });
});
