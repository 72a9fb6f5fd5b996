import { Test } from '@nestjs/testing';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promise 5): a request that failed on a reused kept-alive socket before any byte of the
// answer is sent again once, even with maxRetries 0. The failed attempt "never reached OpenCX",
// yet its slot stays counted (as abandoned, in transit); when it took the window's last slot,
// the resend finds none and the call fails with OpenCxClientRateLimitError (503, Retry-After
// 61 s) without being resent: at the quota's edge, on a busy day, a stale socket costs the user
// a minute.

const KEY = 'sk_attack37_stale_quota';

describe('attack37: a stale kept-alive socket on the window’s last slot', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  afterAll(() => fake.close());

  it('is resent once and answered', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: KEY,
          baseUrl: fake.url,
          maxRetries: 0,
          cache: false,
          rateLimit: { perMinute: 2 },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const service = app.get(ContactAuthService);
      await service.authenticateUser({ email: 'a@example.com' });
      // The second (last) slot of the window: sent on the kept-alive socket, which the upstream dropped.
      fake.dropNext(1);
      await expect(service.authenticateUser({ email: 'b@example.com' })).resolves.toHaveProperty('token');
    } finally {
      await app.close();
      jest.restoreAllMocks();
    }
  });
});
