import { Module } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { ContactAuthService } from '../contact-auth.service.js';
import { OpenCxModule } from '../opencx.module.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from '../testing/index.js';
import { OpenCxHealthIndicator, type OpenCxHealthIndicatorOptions } from './index.js';

const KEY = 'sk_terminus_canary_3';

// The indicator sits in a module that does not import OpenCxModule, as a health module would.
// Terminus logs every failed check itself: quiet here, where failing is the point.
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  providers: [OpenCxHealthIndicator],
  exports: [OpenCxHealthIndicator],
})
class HealthModule {}

describe('OpenCxHealthIndicator (@nestjs/terminus)', () => {
  let fake: OpenCxFakeServer;
  let moduleRef: TestingModule;

  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
    moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url }),
        OpenCxModule.forRoot({ name: 'eu', apiKey: 'sk_refused_canary', baseUrl: fake.url }),
        HealthModule,
      ],
    }).compile();
    // The refused key's error line is checked in the service's spec.
    moduleRef.useLogger(false);
  });
  afterAll(async () => {
    await moduleRef.close();
    await fake.close();
  });

  it('reports the default registration up when OpenCX is reachable, not claiming more than the probe proved', async () => {
    const indicator = moduleRef.get(OpenCxHealthIndicator);
    const result = await moduleRef.get(HealthCheckService).check([() => indicator.isHealthy()]);
    expect(result.status).toBe('ok');
    expect(result.info?.opencx).toMatchObject({ status: 'up', reachable: true, apiKey: 'unverified' });
  });

  it('reports a named registration whose key is refused as down, failing the check with 503', async () => {
    const indicator = moduleRef.get(OpenCxHealthIndicator);
    const error = (await moduleRef
      .get(HealthCheckService)
      .check([() => indicator.isHealthy('opencx-eu', { name: 'eu' })])
      .catch((e: unknown) => e)) as { getStatus(): number; getResponse(): { error: Record<string, unknown> } };
    expect(error.getStatus()).toBe(503);
    expect(error.getResponse().error['opencx-eu']).toMatchObject({
      status: 'down',
      apiKeyAccepted: false,
      httpStatus: 401,
    });
    expect(JSON.stringify(error.getResponse())).not.toContain('sk_refused_canary');
  });

  it('reuses its verdict within the interval instead of probing on every check', async () => {
    const indicator = moduleRef.get(OpenCxHealthIndicator);
    await indicator.isHealthy();
    fake.reset();
    await indicator.isHealthy();
    await indicator.isHealthy();
    expect(fake.requests).toHaveLength(0);
  });
});

/** Compiles the health module beside `registrations`, runs `check` and closes everything. */
async function withApp(registrations: unknown[], check: (app: TestingModule) => Promise<void>): Promise<void> {
  const app = await Test.createTestingModule({ imports: [...(registrations as never[]), HealthModule] }).compile();
  app.useLogger(false);
  try {
    await check(app);
  } finally {
    await app.close();
  }
}
/** terminus's HTTP status for a check of the registration `name`. */
const statusOf = async (app: TestingModule, options: OpenCxHealthIndicatorOptions = {}): Promise<number> => {
  const indicator = app.get(OpenCxHealthIndicator);
  return app
    .get(HealthCheckService)
    .check([() => indicator.isHealthy('opencx', options)])
    .then(
      () => 200,
      (error: { getStatus(): number }) => error.getStatus(),
    );
};

describe('OpenCxHealthIndicator while busy or degraded', () => {
  let fake: OpenCxFakeServer;
  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  afterAll(() => fake.close());

  it("answers 200 while the organisation's quota leaves no slot for a probe of a registration that sends nothing", async () => {
    fake.reset();
    const rateLimit = { group: 'acme', perMinute: 1, maxWait: 0 };
    await withApp(
      [
        OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, rateLimit }),
        OpenCxModule.forRoot({ name: 'quiet', apiKey: KEY, baseUrl: fake.url, rateLimit }),
      ],
      async (app) => {
        await app.get(ContactAuthService).authenticateUser({ email: 'busy@example.com' });
        expect(await statusOf(app, { name: 'quiet' })).toBe(200);
        expect(fake.requests).toHaveLength(1);
      },
    );
  });

  it('answers 200 while an upstream 429 pauses the key, saying until when', async () => {
    fake.reset();
    await withApp([OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, maxRetries: 0 })], async (app) => {
      fake.failNext(1, 429, { retryAfter: 30 });
      await app
        .get(ContactAuthService)
        .authenticateUser({ email: 'paused@example.com' })
        .catch(() => undefined);
      const indicator = app.get(OpenCxHealthIndicator);
      const result = await app.get(HealthCheckService).check([() => indicator.isHealthy()]);
      expect(result.info?.opencx).toMatchObject({ status: 'up', rateLimited: true, pausedUntil: expect.any(String) });
    });
  });

  it("answers 200 for a degraded fleet by default, and 503 with degradedFleet: 'down'", async () => {
    fake.reset();
    const store = Object.assign(new MemoryFleetStore(), { degraded: true });
    await withApp([OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, store })], async (app) => {
      expect(await statusOf(app)).toBe(200);
      expect(await statusOf(app, { degradedFleet: 'down' })).toBe(503);
      expect(await statusOf(app, { degradedFleet: 'up' })).toBe(200);
    });
  });
});
