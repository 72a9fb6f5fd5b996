import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createOpenCxApiError, OpenCxAbortError, OpenCxClientRateLimitError } from '../errors/opencx.errors.js';
import { NO_TELEMETRY } from '../telemetry/telemetry.js';
import { AttemptReporter, type HealthEvidence } from './attempt-reporter.js';

const KEY = 'sk_reporter_canary_7';

describe('AttemptReporter', () => {
  let logger: Logger;
  let debug: jest.Spied<Logger['debug']>;
  let observed: Array<[number | undefined, string]>;
  let reporter: AttemptReporter;
  beforeEach(() => {
    logger = new Logger('test');
    debug = jest.spyOn(logger, 'debug').mockImplementation(() => undefined);
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    observed = [];
    const health: HealthEvidence = { observe: (status, _failure, source) => void observed.push([status, source]) };
    reporter = new AttemptReporter(
      { name: 'default', apiKey: KEY, rateLimited: true, refusalLogInterval: 60_000 },
      health,
      NO_TELEMETRY,
      logger,
    );
  });

  /** Reports the second attempt of a call, answered 200 or failed with `failure`. */
  const report = (waitedMs: number, failure?: unknown, retryDelay?: number, apiKey = KEY): void =>
    reporter.attempt({
      operation: 'authenticate-user',
      apiKey,
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

  it("tells the health monitor of the registration's own key only, and never of an aborted attempt", () => {
    report(0);
    report(0, undefined, undefined, 'sk_other_tenant');
    report(0, new OpenCxAbortError());
    expect(observed).toEqual([[200, 'traffic']]);
  });

  it('logs a refused key as an error once a minute, and a client-side refusal as a warning once a window', () => {
    for (let i = 0; i < 3; i++) {
      reporter.attempt({
        operation: 'authenticate-user',
        apiKey: KEY,
        attempt: 0,
        startedAt: 0,
        exchange: { status: 401, failure: createOpenCxApiError({ status: 401 }) },
      });
      reporter.refused(new OpenCxClientRateLimitError(3, 'max-wait'));
    }
    expect(jest.mocked(logger.error)).toHaveBeenCalledTimes(1);
    expect(jest.mocked(logger.warn)).toHaveBeenCalledTimes(1);
    expect(JSON.stringify([jest.mocked(logger.error).mock.calls, jest.mocked(logger.warn).mock.calls])).not.toContain(
      KEY,
    );
  });
});
