import { jest } from '@jest/globals';
import { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import {
  OpenCxAbortError,
  OpenCxApiError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxRateLimitError,
  OpenCxTimeoutError,
  createOpenCxApiError,
} from '../errors/opencx.errors.js';
import type { AttemptRequest, Exchange, Transport } from '../http/transport.js';
import { OPENCX_DEFAULTS } from '../opencx.options.js';
import { ClientRateLimiter } from '../rate-limit/client-rate-limiter.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import { Deadline } from '../util/deadline.js';
import type { AttemptReport, AttemptReporter } from './attempt-reporter.js';
import { AttemptRunner } from './attempt-runner.js';
import type { Call } from './call.js';
import type { OpenCxRequest } from './opencx-request.js';

const DEFAULTS = OPENCX_DEFAULTS;
const plan = ({
  totalTimeout = DEFAULTS.totalTimeout,
  ...overrides
}: Partial<Call> & { totalTimeout?: number } = {}): Call => ({
  operation: 'authenticate-user',
  apiKey: 'sk',
  limiterKey: 'key',
  timeout: DEFAULTS.timeout,
  deadline: Deadline.after(totalTimeout),
  signal: new AbortController().signal,
  mode: 'use',
  trace: { cache: () => undefined, attempt: () => undefined },
  maxRetries: DEFAULTS.maxRetries,
  retryDelay: DEFAULTS.retryDelay,
  maxRetryDelay: DEFAULTS.maxRetryDelay,
  maxRetryAfter: DEFAULTS.maxRetryAfter,
  retryPostAfterTimeout: true,
  ...overrides,
});
const ok: Exchange = { status: 200, result: Object.assign(new AuthenticateUserResponseDto(), { token: 't' }) };
const failed = (status: number, retryAfter?: number): Exchange => ({
  status,
  failure: createOpenCxApiError({ status, retryAfter }),
});
const request: OpenCxRequest<unknown> = {
  method: 'POST',
  path: '/p',
  body: '{}',
  parse: () => 1,
  idempotent: false,
  secrets: () => [],
};

type Send = (attempt: Pick<AttemptRequest<unknown>, 'timeout' | 'signal'>) => Promise<Exchange<unknown>>;

/** A runner over a transport that answers with `send`, reporting to `reports`. */
const runner = (limiter: ClientRateLimiter | null, send: Send, reports: AttemptReport[] = []): AttemptRunner =>
  new AttemptRunner(
    limiter,
    { send } as unknown as Transport,
    {
      attempt: (report: AttemptReport) => reports.push(report),
      refused: () => undefined,
    } as unknown as AttemptReporter,
  );

/** A limiter stand-in that records what it was asked and how each slot was released. */
const recordingLimiter = (onAcquire: () => void = () => undefined) => {
  const released: string[] = [];
  const limiter = {
    acquired: 0,
    released,
    acquire: () => {
      limiter.acquired++;
      onAcquire();
      return Promise.resolve((how: string) => void released.push(how));
    },
    pause: () => Promise.resolve(),
  };
  return limiter;
};
const asLimiter = (limiter: ReturnType<typeof recordingLimiter>) => limiter as unknown as ClientRateLimiter;

describe('AttemptRunner', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('retries by the policy and reports each attempt', async () => {
    const reports: AttemptReport[] = [];
    const answers = [failed(503), failed(503), ok];
    const result = runner(null, () => Promise.resolve(answers.shift()!), reports).run(plan(), request);
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
    const outcome = runner(null, ({ timeout }) => {
      timeouts.push(timeout);
      return new Promise((resolve) =>
        setTimeout(() => resolve({ status: undefined, failure: new OpenCxTimeoutError(timeout) }), timeout),
      );
    })
      .run(plan({ timeout: 10_000, totalTimeout: 25_000, maxRetries: 10, retryDelay: 0 }), request)
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
    const error = await runner(limiter, () => Promise.resolve(failed(429, 86_400)))
      .run(plan({ maxRetryAfter: 5_000 }), request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxRateLimitError);
    expect(await store.pausedFor('key')).toBe(5_000);
  });

  it('gives up after maxRetries with the last failure', async () => {
    const outcome = runner(null, () => Promise.resolve(failed(500)))
      .run(plan({ maxRetries: 1 }), request)
      .catch((e: unknown) => e);
    await jest.runAllTimersAsync();
    expect(await outcome).toBeInstanceOf(OpenCxApiError);
  });

  it('sends nothing and asks for no slot for a call whose signal already fired', async () => {
    const limiter = recordingLimiter();
    const send = jest.fn(() => Promise.resolve(ok));
    const caller = new AbortController();
    caller.abort();
    await expect(runner(asLimiter(limiter), send).run(plan({ signal: caller.signal }), request)).rejects.toBeInstanceOf(
      OpenCxAbortError,
    );
    expect(send).not.toHaveBeenCalled();
    expect(limiter.acquired).toBe(0);
  });

  it('sends nothing and asks for no slot once the deadline has passed', async () => {
    const limiter = recordingLimiter();
    const send = jest.fn(() => Promise.resolve(ok));
    await expect(runner(asLimiter(limiter), send).run(plan({ totalTimeout: 0 }), request)).rejects.toBeInstanceOf(
      OpenCxTimeoutError,
    );
    expect(send).not.toHaveBeenCalled();
    expect(limiter.acquired).toBe(0);
  });

  it('gives the slot back unused when the wait for it took what was left of the deadline', async () => {
    const limiter = recordingLimiter(() => jest.advanceTimersByTime(5_000));
    const send = jest.fn(() => Promise.resolve(ok));
    await expect(runner(asLimiter(limiter), send).run(plan({ totalTimeout: 5_000 }), request)).rejects.toBeInstanceOf(
      OpenCxTimeoutError,
    );
    expect(send).not.toHaveBeenCalled();
    expect(limiter.released).toEqual(['ended']);
  });

  it('releases a slot as ended after an answer, and as abandoned when no answer came (it may still arrive)', async () => {
    const limiter = recordingLimiter();
    const answers: Exchange[] = [
      { status: undefined, failure: new OpenCxConnectionError('ECONNRESET') },
      failed(503),
      ok,
    ];
    const result = runner(asLimiter(limiter), () => Promise.resolve(answers.shift()!)).run(plan(), request);
    await jest.runAllTimersAsync();
    await expect(result).resolves.toBe(ok.result);
    expect(limiter.released).toEqual(['abandoned', 'ended', 'ended']);
  });

  it('never retries an aborted attempt, whatever maxRetries allows', async () => {
    const send = jest.fn(() => Promise.resolve({ status: undefined, failure: new OpenCxAbortError() } as Exchange));
    const reports: AttemptReport[] = [];
    await expect(runner(null, send, reports).run(plan({ maxRetries: 5 }), request)).rejects.toBeInstanceOf(
      OpenCxAbortError,
    );
    expect(send).toHaveBeenCalledTimes(1);
    expect(reports[0]?.retryDelay).toBeUndefined();
  });

  it('does not retry when the backoff would end exactly at the deadline, and fails with the answer, not a timeout', async () => {
    // Full jitter at its top: the delay is 999 ms, all that is left of the call.
    jest.spyOn(Math, 'random').mockReturnValue(0.999_999_999);
    const send = jest.fn(() => Promise.resolve(failed(503)));
    const outcome = runner(null, send)
      .run(plan({ totalTimeout: 999, retryDelay: 1_000, maxRetryDelay: 1_000 }), request)
      .catch((e: unknown) => e);
    await jest.runAllTimersAsync();
    expect(await outcome).toBeInstanceOf(OpenCxApiError);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('turns a 2xx its parser could not read without an untyped error into OpenCxInvalidResponseError', async () => {
    const reports: AttemptReport[] = [];
    const odd: Exchange = { status: 200, failure: new RangeError('Invalid time value') };
    const send = jest.fn(() => Promise.resolve(odd));
    const error = await runner(null, send, reports)
      .run(plan(), request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
    expect((error as Error).message).toBe(
      'OpenCX answered 200 with an invalid body: the body could not be read (RangeError)',
    );
    expect(send).toHaveBeenCalledTimes(1);
    expect(reports[0]?.exchange.failure).toBe(error);
  });

  describe('an attempt that failed on a stale keep-alive socket', () => {
    const stale: Exchange = { status: undefined, failure: new OpenCxConnectionError('ECONNRESET'), stale: true };

    it('is sent again at once with a new slot, even with maxRetries 0 or retryPostAfterTimeout false', async () => {
      const limiter = recordingLimiter();
      const answers = [stale, ok];
      const reports: AttemptReport[] = [];
      const send = jest.fn(() => Promise.resolve(answers.shift()!));
      const call = plan({ maxRetries: 0, retryPostAfterTimeout: false, retryDelay: 60_000, maxRetryDelay: 60_000 });
      // No timer is advanced: the second attempt follows the first at once.
      await expect(runner(asLimiter(limiter), send, reports).run(call, request)).resolves.toBe(ok.result);
      expect([send.mock.calls.length, limiter.acquired]).toEqual([2, 2]);
      expect(reports.map((r) => [r.attempt, r.retryDelay])).toEqual([
        [0, 0],
        [1, undefined],
      ]);
    });

    it('is sent again once per call: a second stale failure counts as any failed attempt', async () => {
      const send = jest.fn(() => Promise.resolve(stale));
      const error = await runner(null, send)
        .run(plan({ maxRetries: 0 }), request)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenCxConnectionError);
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('does not use up maxRetries', async () => {
      const answers = [stale, failed(503), ok];
      const send = jest.fn(() => Promise.resolve(answers.shift()!));
      const result = runner(null, send).run(plan({ maxRetries: 1 }), request);
      await jest.runAllTimersAsync();
      await expect(result).resolves.toBe(ok.result);
      expect(send).toHaveBeenCalledTimes(3);
    });
  });

  it('reports the ms each attempt waited for its slot', async () => {
    const limiter = recordingLimiter(() => jest.advanceTimersByTime(700));
    const reports: AttemptReport[] = [];
    await runner(asLimiter(limiter), () => Promise.resolve(ok), reports).run(plan(), request);
    expect(reports[0]?.waitedMs).toBe(700);
  });
});
