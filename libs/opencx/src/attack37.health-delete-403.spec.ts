import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promise 1: an answer to an ordinary call such as deleteContact never changes health;
// readiness goes down only for a pod that cannot serve contact tokens). A key that issues tokens
// fine but lacks the contacts scope gets 403 on one GDPR deletion; that 403 is taken as "key
// refused", and checkHealth() (terminus: 503) says down for the next healthCheckInterval,
// answered from memory without a probe, although the very next authenticateUser works.

const KEY = 'sk_attack37_scope';

describe('attack37: a deleteContact answered 403 (key without the contacts scope)', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  afterAll(() => fake.close());

  it('leaves readiness up while tokens are issued', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, cache: false })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const service = app.get(ContactAuthService);
      const { contact } = await service.authenticateUser({ email: 'gdpr@example.com' });
      fake.route('DELETE /contacts/{id}').failNext(1, 403);
      await expect(service.deleteContact(contact!.id)).rejects.toMatchObject({ name: 'OpenCxAuthenticationError' });
      // Tokens are still issued with this key.
      await expect(service.authenticateUser({ email: 'other@example.com' })).resolves.toHaveProperty('token');
      fake.route('DELETE /contacts/{id}').failNext(1, 403);
      await service.deleteContact(contact!.id).catch(() => undefined);
      const health = await service.checkHealth();
      expect(health.status).toBe('up');
    } finally {
      await app.close();
      jest.restoreAllMocks();
    }
  });
});
