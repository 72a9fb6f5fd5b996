import {
  OpenCxApiError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
} from '../errors/opencx.errors.js';
import { HealthMonitor, assessExchange } from './health-monitor.js';

describe('assessExchange', () => {
  it.each([
    [200, undefined, 'up', 'accepted'],
    [201, undefined, 'up', 'accepted'],
    [400, undefined, 'up', 'unverified'],
    [422, undefined, 'up', 'unverified'],
    [429, undefined, 'up', 'unverified'],
    [401, undefined, 'down', 'refused'],
    [403, undefined, 'down', 'refused'],
    [404, undefined, 'down', 'unverified'],
    [408, undefined, 'down', 'unverified'],
    [500, new OpenCxApiError({ status: 500 }), 'down', 'unverified'],
    [503, undefined, 'down', 'unverified'],
    [200, new OpenCxInvalidResponseError(200, 'not JSON'), 'down', 'accepted'],
  ] as const)('status %p (%p) is %s, key %s', (status, error, verdict, apiKey) => {
    const result = assessExchange(status, error);
    expect(result).toMatchObject({ status: verdict, reachable: true, httpStatus: status, apiKey });
    expect(result.apiKeyAccepted).toBe(apiKey === 'unverified' ? undefined : apiKey === 'accepted');
    // Every verdict but "up with the key accepted" says why.
    expect(typeof result.reason === 'string').toBe(!(verdict === 'up' && apiKey === 'accepted'));
  });

  it.each([
    [new OpenCxTimeoutError(100), 'no answer in time'],
    [new OpenCxConnectionError('ECONNREFUSED'), 'connection failed (ECONNREFUSED)'],
  ])('no answer (%p) is down and unreachable', (error, reason) => {
    expect(assessExchange(undefined, error)).toEqual({
      status: 'down',
      reachable: false,
      apiKey: 'unverified',
      reason,
    });
  });
});

/** How many probes `checks` health checks ran, on a monitor with this interval and floor. */
async function probesFor(interval: number, floor: number, checks: number): Promise<number> {
  const monitor = new HealthMonitor(interval, floor);
  let probes = 0;
  for (let i = 0; i < checks; i++) {
    await monitor.check(async () => {
      probes++;
      monitor.observe(400, undefined, 'probe');
    });
  }
  return probes;
}

describe('HealthMonitor', () => {
  it('answers from the last exchange while it is fresh, then probes once for concurrent checks', async () => {
    const monitor = new HealthMonitor(60_000, 0);
    let probes = 0;
    const probe = async (): Promise<void> => {
      probes++;
      // Let the second check start while this probe is still running.
      await new Promise(setImmediate);
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
    expect(await probesFor(0, 0, 2)).toBe(2);
  });

  it('never probes more often than its floor, whatever the interval, answering from memory', async () => {
    expect(await probesFor(0, 12_000, 50)).toBe(1);
  });
});
