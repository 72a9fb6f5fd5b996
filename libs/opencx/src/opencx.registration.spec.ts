import { jest } from '@jest/globals';
import type { Logger } from '@nestjs/common';
import { createOpenCxApiError } from './errors/opencx.errors.js';
import { OpenCxSharedState } from './opencx-shared.module.js';
import { resolveOpenCxOptions } from './opencx.options.js';
import { OpenCxRegistration } from './opencx.registration.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';

const KEY = 'sk_registration_canary_7';

describe('OpenCxRegistration.report', () => {
  let registration: OpenCxRegistration;
  let debug: jest.Spied<Logger['debug']>;
  beforeEach(() => {
    const options = resolveOpenCxOptions({ apiKey: KEY, rateLimit: { perMinute: 10 }, healthCheckInterval: 0 });
    registration = new OpenCxRegistration(options, 'default', new MemoryFleetStore(1), new OpenCxSharedState(), true);
    debug = jest.spyOn(registration.logger, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => registration.close());

  /** Reports the second attempt of a call, answered 200 or failed with `failure`. */
  const report = (waitedMs: number, failure?: unknown, retryDelay?: number): void =>
    registration.report('authenticate-user', {
      apiKey: KEY,
      attempt: 1,
      startedAt: 0,
      exchange: failure === undefined ? { status: 200, result: {} } : { status: undefined, failure },
      retryDelay,
      waitedMs,
    });

  it('logs a wait for a rate-limit slot longer than a second at debug level, in whole ms', () => {
    report(1_000);
    expect(debug).not.toHaveBeenCalled();
    report(1_234.6);
    expect(debug).toHaveBeenCalledWith('authenticate-user attempt 2 waited 1235 ms for a rate-limit slot');
  });

  it('logs a retry with the failure named by its class and status, or as unknown when it is not an Error', () => {
    report(0, createOpenCxApiError({ status: 503 }), 250);
    report(0, 'thrown as a string', 500);
    expect(debug.mock.calls).toEqual([
      ['authenticate-user attempt 2 failed (OpenCxApiError 503); retrying in 250 ms'],
      ['authenticate-user attempt 2 failed (unknown error); retrying in 500 ms'],
    ]);
  });
});
