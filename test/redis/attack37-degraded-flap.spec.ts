import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';

// Break (promise 1, fleet): with `redis: 'redis://…'` and the redis-server killed (it stays down),
// checkHealth() says `fleet: 'shared'` again about a second later, for most of a second, and again
// every few seconds: each retry of Redis reads as a shared fleet until it times out. A readiness
// endpoint with `degradedFleet: 'down'` puts the pod back in rotation and out again while Redis is
// still gone, and a dashboard shows Redis as fine.

describeWithRedis('attack37')('attack37: fleet state while the redis-server stays dead', () => {
  let fake: OpenCxFakeServer;
  let redis: RedisServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: 'sk_attack37_flap' });
    redis = await startRedis();
  });
  afterAll(async () => {
    await fake.close();
    await redis.stop().catch(() => undefined);
  });

  it('says degraded on every check after the kill, never shared', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: 'sk_attack37_flap', baseUrl: fake.url, redis: redis.url })],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const service = app.get(ContactAuthService);
      await expect(service.checkHealth()).resolves.toMatchObject({ fleet: 'shared' });
      redis.process.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const seen: string[] = [];
      const started = Date.now();
      while (Date.now() - started < 6_000) {
        seen.push((await service.checkHealth()).fleet);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect([...new Set(seen)]).toEqual(['degraded']);
    } finally {
      await app.close();
      jest.restoreAllMocks();
    }
  }, 30_000);
});
