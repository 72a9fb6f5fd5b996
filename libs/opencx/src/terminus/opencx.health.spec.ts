import { Module } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test, type TestingModule } from '@nestjs/testing';
import { OpenCxModule } from '../opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from '../testing/index.js';
import { OpenCxHealthIndicator } from './index.js';

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
