import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promises 5 and 1): a request that failed on a reused kept-alive socket before any byte of
// the answer is sent again once, even with maxRetries 0: ordinary calls are, the health probe is
// not. The probe's stale socket reads as "OpenCX unreachable": checkHealth() says `down` (and
// terminus 503) and keeps saying it from memory for the next healthCheckInterval, while OpenCX
// answers everything.

const KEY = 'sk_attack37_stale';

describe('attack37: the health probe on a kept-alive socket the upstream dropped', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  afterAll(() => fake.close());

  it('is resent once, as any request on a stale socket, and health stays up', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: KEY,
          baseUrl: fake.url,
          maxRetries: 0,
          healthCheckInterval: 1,
          rateLimit: { window: 1_000 },
        }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const service = app.get(ContactAuthService);
      // The ordinary call: a dropped reused socket is resent for free.
      await service.authenticateUser({ email: 'a@example.com' });
      fake.dropNext(1);
      await expect(service.authenticateUser({ email: 'b@example.com' })).resolves.toHaveProperty('token');
      // Past the probe spacing (window / 20), on the same kept-alive socket.
      await new Promise((resolve) => setTimeout(resolve, 100));
      fake.dropNext(1);
      const health = await service.checkHealth();
      expect(health).toMatchObject({ status: 'up', reachable: true });
    } finally {
      await app.close();
      jest.restoreAllMocks();
    }
  });
});
