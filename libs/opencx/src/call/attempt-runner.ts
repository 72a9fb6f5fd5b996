import {
  OpenCxAbortError,
  OpenCxClientRateLimitError,
  OpenCxError,
  OpenCxInvalidResponseError,
  OpenCxRateLimitError,
} from '../errors/opencx.errors.js';
import { Scrubber } from '../errors/scrub.js';
import type { Exchange, Transport } from '../http/transport.js';
import type { ClientRateLimiter, ReleaseSlot } from '../rate-limit/client-rate-limiter.js';
import { monotonicNow } from '../util/clock.js';
import { abortErrorOf } from '../util/deadline.js';
import type { AttemptReporter } from './attempt-reporter.js';
import type { Call } from './call.js';
import type { OpenCxRequest } from './opencx-request.js';
import { retryDelay } from './retry-policy.js';

/**
 * The exchange with its failure typed: a 2xx whose body its parser could not read without an
 * untyped error (a RangeError from a date past the range of `Date`) is an invalid answer.
 */
function typed<T>(exchange: Exchange<T>): Exchange<T> {
  const { status, failure } = exchange;
  if (status === undefined || failure === undefined || failure instanceof OpenCxError) return exchange;
  const name = failure instanceof Error ? failure.name : typeof failure;
  return { status, failure: new OpenCxInvalidResponseError(status, `the body could not be read (${name})`) };
}

/**
 * The attempts of one call: a rate-limit slot before each (released when the attempt ends), then
 * the attempt with its timeout, then retry or fail by the retry policy. The whole call, waits
 * included, ends by its deadline: an attempt gets only what is left of it, and a wait that would
 * pass it fails the call at once. An upstream 429 pauses the key for every caller, for at most
 * `maxRetryAfter`.
 */
export class AttemptRunner {
  constructor(
    private readonly limiter: ClientRateLimiter | null,
    private readonly transport: Transport,
    private readonly reporter: AttemptReporter,
  ) {}

  /**
   * Sends `request` for `call` until it is answered, or the call must fail: its parsed answer. An
   * attempt that failed on a stale keep-alive socket (the other side closed it while idle) never
   * reached OpenCX: it is sent again at once, with a new slot, once per call, whatever `maxRetries`.
   */
  async run<T>(call: Call, request: OpenCxRequest<T>): Promise<T> {
    const { deadline, signal } = call;
    let retries = 0;
    let staleResent = false;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw abortErrorOf(signal);
      if (deadline.left() <= 0) throw deadline.expired();
      const waitStarted = monotonicNow();
      const release = await this.slot(call);
      const waitedMs = monotonicNow() - waitStarted;
      call.trace.attempt(waitedMs);
      const timeout = Math.min(call.timeout, deadline.left());
      if (timeout <= 0) {
        void release?.('ended');
        throw deadline.expired();
      }
      const startedAt = monotonicNow();
      // The transport never throws: every failure comes back typed in the exchange.
      const exchange = typed(await this.send(call, request, timeout));
      // Not awaited: the answer need not wait for the limiter's book-keeping. Without an answer
      // the request may still reach OpenCX later, so it stays counted as in transit.
      void release?.(exchange.status === undefined ? 'abandoned' : 'ended');
      const { failure } = exchange;
      const resend = exchange.stale === true && !staleResent;
      let delay =
        exchange.result !== undefined || failure instanceof OpenCxAbortError
          ? undefined
          : resend
            ? 0
            : retryDelay(failure, retries, call, Math.random, request.idempotent || call.retryPostAfterTimeout);
      if (delay !== undefined && delay >= deadline.left()) delay = undefined;
      this.reporter.attempt({
        operation: call.operation,
        apiKey: call.apiKey,
        attempt,
        startedAt,
        exchange,
        retryDelay: delay,
        waitedMs,
      });
      if (exchange.result !== undefined) return exchange.result;
      await this.pauseAfter(call, failure);
      if (delay === undefined) throw failure;
      if (resend) {
        staleResent = true;
        continue;
      }
      retries++;
      await deadline.sleep(delay, signal);
    }
  }

  /** A rate-limit slot for the call's key (none without a limiter); a refusal is reported, then thrown. */
  private async slot(call: Call): Promise<ReleaseSlot | undefined> {
    if (!this.limiter) return undefined;
    try {
      return await this.limiter.acquire(call.limiterKey, call.deadline, call.signal);
    } catch (error) {
      if (error instanceof OpenCxClientRateLimitError) this.reporter.refused(error);
      throw error;
    }
  }

  private send<T>(call: Call, request: OpenCxRequest<T>, timeout: number): Promise<Exchange<T>> {
    return this.transport.send({
      method: request.method,
      path: request.path,
      apiKey: call.apiKey,
      body: request.body,
      parse: request.parse,
      timeout,
      signal: call.signal,
      scrubber: () => new Scrubber(call.apiKey, request.secrets()),
    });
  }

  /** After an upstream 429: OpenCX's limit is per organisation, so every caller of the key holds back. */
  private async pauseAfter(call: Call, failure: unknown): Promise<void> {
    if (!this.limiter || !(failure instanceof OpenCxRateLimitError) || failure.retryAfter === undefined) return;
    const pause = this.limiter.pause(call.limiterKey, Math.min(failure.retryAfter * 1000, call.maxRetryAfter));
    // A store that cannot take the pause must not fail the call, nor hold it past its deadline.
    await call.deadline.race(pause).catch(() => undefined);
  }
}
