import { OpenCxAbortError, OpenCxRateLimitError } from '../errors/opencx.errors.js';
import type { AttemptRequest, Exchange } from '../http/transport.js';
import type { ClientRateLimiter } from '../rate-limit/client-rate-limiter.js';
import type { CallTrace } from '../telemetry/telemetry.js';
import { abortErrorOf, type Deadline } from '../util/deadline.js';
import { retryDelay, type RetryPolicy } from './retry-policy.js';
import { monotonicNow } from '../util/clock.js';

/** One call's settings, per-call overrides applied. */
export interface CallPlan extends RetryPolicy {
  apiKey: string;
  /** The rate limiter's key for `apiKey` (a hash). */
  limiterKey: string;
  timeout: number;
  /** The end of the whole call (`totalTimeout` from its start): attempts, waits and backoff within it. */
  deadline: Deadline;
  /** Which operation this call is, for reports. */
  operation: 'authenticate-user' | 'delete-contact';
  signal?: AbortSignal;
  /** The call's trace, told of each attempt. */
  trace?: CallTrace;
}

/** What the runner tells its observer after each attempt (health, `onAttempt`, debug log). */
export interface AttemptReport {
  /** Which operation the attempt belongs to. */
  operation: 'authenticate-user' | 'delete-contact';
  /** The call's API key: only the registration's own key says anything about its health. */
  apiKey: string;
  attempt: number;
  startedAt: number;
  exchange: Exchange<unknown>;
  /** Ms before the next attempt, or undefined when this was the last. */
  retryDelay?: number;
  /** Ms this attempt waited for a rate-limit slot. */
  waitedMs?: number;
}

/** Sends one attempt: the transport, bound to the call's body and secrets. */
export type SendAttempt<T> = (request: Pick<AttemptRequest<T>, 'timeout' | 'signal'>) => Promise<Exchange<T>>;

/**
 * The attempts of one call: a rate-limit slot before each (released when the attempt ends), then
 * the attempt with its timeout, then retry or fail by the retry policy. The whole call, waits
 * included, ends by its deadline: an attempt gets only what is left of it, and a wait that would
 * pass it fails the call at once.
 * An upstream 429 pauses the key for every caller, for at most `maxRetryAfter`.
 */
export class AttemptRunner {
  constructor(
    private readonly limiter: ClientRateLimiter | null,
    private readonly observe: (report: AttemptReport) => void,
  ) {}

  async run<T>(plan: CallPlan, send: SendAttempt<T>): Promise<T> {
    const { deadline } = plan;
    for (let attempt = 0; ; attempt++) {
      if (plan.signal?.aborted) throw abortErrorOf(plan.signal);
      if (deadline.left() <= 0) throw deadline.expired();
      const waitStarted = monotonicNow();
      const release = await this.limiter?.acquire(plan.limiterKey, deadline, plan.signal);
      const waitedMs = monotonicNow() - waitStarted;
      plan.trace?.attempt(waitedMs);
      const timeout = Math.min(plan.timeout, deadline.left());
      if (timeout <= 0) {
        void release?.('ended');
        throw deadline.expired();
      }
      const startedAt = monotonicNow();
      // The transport never throws: every failure comes back typed in the exchange.
      const exchange = await send({ timeout, signal: plan.signal });
      // Not awaited: the answer need not wait for the limiter's book-keeping. Without an answer
      // the request may still reach OpenCX later, so it stays counted as in transit.
      void release?.(exchange.status === undefined ? 'abandoned' : 'ended');
      const { failure } = exchange;
      const aborted = failure instanceof OpenCxAbortError;
      let delay = exchange.result !== undefined || aborted ? undefined : retryDelay(failure, attempt, plan);
      if (delay !== undefined && delay >= deadline.left()) delay = undefined;
      this.observe({
        operation: plan.operation,
        apiKey: plan.apiKey,
        attempt,
        startedAt,
        exchange,
        retryDelay: delay,
        waitedMs,
      });
      if (exchange.result !== undefined) return exchange.result;
      if (failure instanceof OpenCxRateLimitError && failure.retryAfter !== undefined) {
        // OpenCX's limit is per organisation: hold back every caller of this key, not just this one.
        const pause = this.limiter?.pause(plan.limiterKey, Math.min(failure.retryAfter * 1000, plan.maxRetryAfter));
        // A store that cannot take the pause must not fail the call, nor hold it past its deadline.
        if (pause) await deadline.race(pause).catch(() => undefined);
      }
      if (delay === undefined) throw failure;
      await deadline.sleep(delay, plan.signal);
    }
  }
}
