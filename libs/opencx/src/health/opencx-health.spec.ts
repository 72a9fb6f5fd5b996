import {
  OpenCxConnectionError,
  OpenCxInternalServerError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
} from '../errors/opencx.errors.js';
import { HealthMonitor, assessExchange } from './opencx-health.js';

describe('assessExchange', () => {
  it.each([
    [200, undefined, 'up', true],
    [201, undefined, 'up', true],
    [400, undefined, 'up', true],
    [422, undefined, 'up', true],
    [429, undefined, 'up', true],
    [401, undefined, 'down', false],
    [403, undefined, 'down', false],
    [404, undefined, 'down', undefined],
    [408, undefined, 'down', undefined],
    [500, new OpenCxInternalServerError({ status: 500 }), 'down', undefined],
    [503, undefined, 'down', undefined],
    [200, new OpenCxInvalidResponseError(200, 'not JSON'), 'down', true],
  ] as const)('status %p (%p) is %s, key accepted: %p', (status, error, verdict, accepted) => {
    const result = assessExchange(status, error);
    expect(result).toMatchObject({ status: verdict, reachable: true, httpStatus: status });
    expect(result.apiKeyAccepted).toBe(accepted);
    // Every verdict but a plain "up" says why.
    expect(typeof result.reason === 'string').toBe(verdict === 'down' || status === 429);
  });

  it.each([
    [new OpenCxTimeoutError(100), 'no answer in time'],
    [new OpenCxConnectionError('ECONNREFUSED'), 'connection failed (ECONNREFUSED)'],
  ])('no answer (%p) is down and unreachable', (error, reason) => {
    expect(assessExchange(undefined, error)).toEqual({ status: 'down', reachable: false, reason });
  });
});

describe('HealthMonitor', () => {
  it('answers from the last exchange while it is fresh, then probes once for concurrent checks', async () => {
    const monitor = new HealthMonitor(60_000);
    let probes = 0;
    const probe = async (): Promise<void> => {
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      monitor.observe(400, undefined, 'probe');
    };
    const [a, b] = await Promise.all([monitor.check(probe), monitor.check(probe)]);
    expect(probes).toBe(1);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ status: 'up', source: 'probe', httpStatus: 400 });
    monitor.observe(401, undefined);
    await expect(monitor.check(probe)).resolves.toMatchObject({ status: 'down', source: 'traffic' });
    expect(probes).toBe(1);
  });

  it('probes every time with an interval of 0', async () => {
    const monitor = new HealthMonitor(0);
    let probes = 0;
    const probe = async (): Promise<void> => {
      probes++;
      monitor.observe(200, undefined, 'probe');
    };
    await monitor.check(probe);
    await monitor.check(probe);
    expect(probes).toBe(2);
  });
});
