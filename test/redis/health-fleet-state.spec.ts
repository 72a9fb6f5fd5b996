import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';
import { describeWithRedis, startRedis, type RedisServer } from '../support/redis-server.mjs';

// What readiness reads while Redis stays dead: every check says degraded until Redis answers a trial
// again, never `shared` between two trials (a `degradedFleet: 'down'` readiness would flap).
describeWithRedis('health-fleet-state')('the fleet state checkHealth reports while Redis stays dead', () => {
  let fake: OpenCxFakeServer | undefined;
  let redis: RedisServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: 'sk_fleet_state' });
  }, HOOK_TIMEOUT_MS);
  beforeEach(async () => {
    redis = await startRedis();
  }, HOOK_TIMEOUT_MS);
  afterEach(async () => {
    redis?.thaw();
    await redis?.stop().catch(() => undefined);
  });
  afterAll(async () => {
    await fake?.close();
  });

  it.each<[string, (server: RedisServer) => void, (server: RedisServer) => Promise<void>]>([
    ['killed (SIGKILL)', (server) => server.process.kill('SIGKILL'), (server) => server.restart()],
    ['frozen (SIGSTOP)', (server) => server.freeze(), (server) => Promise.resolve(server.thaw())],
  ])(
    'says degraded on every check once Redis is %s, never shared, and shared once it answers again',
    async (_label, fail, recover) => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
      const moduleRef = await Test.createTestingModule({
        imports: [OpenCxModule.forRoot({ apiKey: 'sk_fleet_state', baseUrl: fake!.url, redis: redis.url })],
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
        await recover(redis);
        const back = Date.now();
        while ((await service.checkHealth()).fleet !== 'shared' && Date.now() - back < 8_000)
          await new Promise((resolve) => setTimeout(resolve, 200));
        expect((await service.checkHealth()).fleet).toBe('shared');
      } finally {
        await app.close();
        jest.restoreAllMocks();
      }
    },
    30_000,
  );
});
