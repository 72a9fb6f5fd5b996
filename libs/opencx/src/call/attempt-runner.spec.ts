import { jest } from '@jest/globals';
import { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import {
  OpenCxApiError,
  OpenCxRateLimitError,
  OpenCxTimeoutError,
  createOpenCxApiError,
} from '../errors/opencx.errors.js';
import type { Exchange } from '../http/transport.js';
import { OPENCX_DEFAULTS } from '../opencx.options.js';
import { ClientRateLimiter } from '../rate-limit/client-rate-limiter.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import { Deadline } from '../util/deadline.js';
import { AttemptRunner, type AttemptReport, type CallPlan } from './attempt-runner.js';

const DEFAULTS = OPENCX_DEFAULTS;
const plan = ({
  totalTimeout = DEFAULTS.totalTimeout,
  ...overrides
}: Partial<CallPlan> & { totalTimeout?: number } = {}): CallPlan => ({
  apiKey: 'sk',
  limiterKey: 'key',
  timeout: DEFAULTS.timeout,
  deadline: Deadline.after(totalTimeout),
  operation: 'authenticate-user',
  maxRetries: DEFAULTS.maxRetries,
  retryDelay: DEFAULTS.retryDelay,
  maxRetryDelay: DEFAULTS.maxRetryDelay,
  maxRetryAfter: DEFAULTS.maxRetryAfter,
  ...overrides,
});
const ok: Exchange = { status: 200, result: Object.assign(new AuthenticateUserResponseDto(), { token: 't' }) };
const failed = (status: number, retryAfter?: number): Exchange => ({
  status,
  failure: createOpenCxApiError({ status, retryAfter }),
});

describe('AttemptRunner', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('retries by the policy and reports each attempt', async () => {
    const reports: AttemptReport[] = [];
    const runner = new AttemptRunner(null, (report) => reports.push(report));
    const answers = [failed(503), failed(503), ok];
    const result = runner.run(plan(), () => Promise.resolve(answers.shift()!));
    await jest.runAllTimersAsync();
    await expect(result).resolves.toBe(ok.result);
    expect(reports.map((r) => [r.attempt, r.retryDelay !== undefined])).toEqual([
      [0, true],
      [1, true],
      [2, false],
    ]);
  });

  it('gives each attempt only what is left of totalTimeout, then fails with OpenCxTimeoutError', async () => {
    const timeouts: number[] = [];
    const runner = new AttemptRunner(null, () => undefined);
    const outcome = runner
      .run(plan({ timeout: 10_000, totalTimeout: 25_000, maxRetries: 10, retryDelay: 0 }), ({ timeout }) => {
        timeouts.push(timeout);
        return new Promise((resolve) =>
          setTimeout(() => resolve({ status: undefined, failure: new OpenCxTimeoutError(timeout) }), timeout),
        );
      })
      .catch((error: unknown) => error);
    await jest.runAllTimersAsync();
    expect(await outcome).toBeInstanceOf(OpenCxTimeoutError);
    expect(timeouts).toEqual([10_000, 10_000, 5_000]);
    expect(Date.now() - 1_000_000).toBe(25_000);
  });

  it('fails at once when Retry-After would pass the deadline, and pauses the key for at most maxRetryAfter', async () => {
    const store = new MemoryFleetStore();
    const limiter = new ClientRateLimiter(
      { perMinute: 100, maxWait: 10_000, maxQueue: 10, instances: 1, window: 60_000, maxPause: 60_000 },
      store,
    );
    const runner = new AttemptRunner(limiter, () => undefined);
    const error = await runner
      .run(plan({ maxRetryAfter: 5_000 }), () => Promise.resolve(failed(429, 86_400)))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxRateLimitError);
    expect(await store.pausedFor('key')).toBe(5_000);
  });

  it('gives up after maxRetries with the last failure', async () => {
    const runner = new AttemptRunner(null, () => undefined);
    const outcome = runner.run(plan({ maxRetries: 1 }), () => Promise.resolve(failed(500))).catch((e: unknown) => e);
    await jest.runAllTimersAsync();
    expect(await outcome).toBeInstanceOf(OpenCxApiError);
  });
});
