import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';

// Break (promise 1, fleet): with `redis: 'redis://…'` and the redis-server killed or frozen (it stays so),
// checkHealth() says `fleet: 'shared'` again about a second later, for most of a second, and again
// every few seconds: each retry of Redis reads as a shared fleet until it times out. A readiness
// endpoint with `degradedFleet: 'down'` puts the pod back in rotation and out again while Redis is
// still gone, and a dashboard shows Redis as fine.

describeWithRedis('attack37')('attack37: fleet state while the redis-server stays dead', () => {
  let fake: OpenCxFakeServer;
  let redis: RedisServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: 'sk_attack37_flap' });
  });
  beforeEach(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    redis.thaw();
    await redis.stop().catch(() => undefined);
  });
  afterAll(async () => {
    await fake.close();
  });

  it.each<[string, (server: RedisServer) => void]>([
    ['killed (SIGKILL)', (server) => server.process.kill('SIGKILL')],
    ['frozen (SIGSTOP)', (server) => server.freeze()],
  ])(
    'says degraded on every check once Redis is %s, never shared',
    async (_label, fail) => {
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
        fail(redis);
        // Past the store's timeout (1 s): the first check after it says degraded.
        await new Promise((resolve) => setTimeout(resolve, 1_200));
        const seen: string[] = [];
        const started = Date.now();
        while (Date.now() - started < 10_000) {
          seen.push((await service.checkHealth()).fleet);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect([...new Set(seen)]).toEqual(['degraded']);
      } finally {
        await app.close();
        jest.restoreAllMocks();
      }
    },
    30_000,
  );
});
