import { jest } from '@jest/globals';
import {
  OpenCxApiError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
} from '../errors/opencx.errors.js';
import { HealthMonitor, assessExchange, isEvidence } from './health-monitor.js';

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

describe('assessExchange reasons', () => {
  it.each([
    [401, 'down', 'API key refused (401)'],
    [403, 'down', 'API key lacks the scope for this endpoint (403)'],
    [404, 'down', 'endpoint not found (404): check baseUrl'],
    [429, 'up', 'rate limited (429)'],
    [400, 'up', 'reachable; API key not verified (400)'],
    [499, 'up', 'reachable; API key not verified (499)'],
    [408, 'down', 'OpenCX answered 408'],
    [500, 'down', 'OpenCX answered 500'],
    [399, 'down', 'OpenCX answered 399'],
    [300, 'down', 'OpenCX answered 300'],
  ] as const)('says why an answer of %i is %s: %s', (status, verdict, reason) => {
    expect(assessExchange(status, undefined)).toMatchObject({ status: verdict, reason });
  });

  it('says an answer that came without a status was invalid, and that OpenCX was reached', () => {
    expect(assessExchange(undefined, new OpenCxInvalidResponseError(0, 'cut short'))).toEqual({
      status: 'down',
      reachable: true,
      apiKey: 'unverified',
      reason: 'invalid answer',
    });
  });

  it('says only "connection failed" when the failure has no code', () => {
    expect(assessExchange(undefined, new OpenCxConnectionError(undefined))).toMatchObject({
      reason: 'connection failed',
    });
  });
});

describe('isEvidence', () => {
  it.each([
    [200, undefined, true],
    [201, undefined, true],
    [401, new OpenCxApiError({ status: 401 }), true],
    [403, new OpenCxApiError({ status: 403 }), true],
    [undefined, new OpenCxTimeoutError(100), true],
    [undefined, new OpenCxConnectionError('ECONNREFUSED'), true],
    [404, new OpenCxApiError({ status: 404 }), false],
    [400, new OpenCxApiError({ status: 400 }), false],
    [429, new OpenCxApiError({ status: 429 }), false],
    [500, new OpenCxApiError({ status: 500 }), false],
    [200, new OpenCxInvalidResponseError(200, 'x'), false],
    [undefined, new OpenCxInvalidResponseError(0, 'cut short'), false],
  ] as const)('an ordinary call answered %p (%p) is evidence: %p', (status, error, evidence) => {
    expect(isEvidence(status, error)).toBe(evidence);
  });

  it("keeps the last verdict when an ordinary call's answer says nothing about OpenCX, but takes every probe's", () => {
    const monitor = new HealthMonitor(60_000, 0);
    monitor.observe(200, undefined);
    monitor.observe(404, new OpenCxApiError({ status: 404 }));
    expect(monitor.last()).toMatchObject({ status: 'up', httpStatus: 200 });
    monitor.observe(404, new OpenCxApiError({ status: 404 }), 'probe');
    expect(monitor.last()).toMatchObject({ status: 'down', httpStatus: 404, source: 'probe' });
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

  it('knows nothing before any exchange', () => {
    expect(new HealthMonitor(60_000, 0).last()).toBeUndefined();
  });

  it('probes again, within the floor, while no probe has told it anything (each declined)', async () => {
    const monitor = new HealthMonitor(60_000, 12_000);
    let probes = 0;
    for (let i = 0; i < 3; i++) {
      await expect(
        monitor.check(async () => {
          probes++;
        }),
      ).resolves.toBeUndefined();
    }
    expect(probes).toBe(3);
  });

  describe('on a fake clock', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('answers from the last exchange for exactly `interval` ms, then probes', async () => {
      const monitor = new HealthMonitor(1_000, 0);
      let probes = 0;
      const probe = async (): Promise<void> => {
        probes++;
        monitor.observe(400, undefined, 'probe');
      };
      monitor.observe(200, undefined);
      jest.advanceTimersByTime(999);
      await expect(monitor.check(probe)).resolves.toMatchObject({ source: 'traffic' });
      jest.advanceTimersByTime(1);
      await expect(monitor.check(probe)).resolves.toMatchObject({ source: 'probe' });
      expect(probes).toBe(1);
    });
  });
});
