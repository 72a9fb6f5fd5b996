import type { CallTrace, TelemetryOperation } from '../telemetry/telemetry.js';
import type { Deadline } from '../util/deadline.js';
import type { RetryPolicy } from './retry-policy.js';

/** A public operation, or a health probe. */
export type OpenCxOperation = TelemetryOperation;

/** How a call uses the token cache (the `cache` per-call option). */
export type CacheMode = 'use' | 'refresh' | 'bypass';

/**
 * One call's settings, the module's options with the call's overrides applied: what every step of
 * the call reads. Made by {@link CallPlanner} when the call starts.
 */
export interface Call extends RetryPolicy {
  operation: OpenCxOperation;
  apiKey: string;
  /** The rate limiter's key for `apiKey` (a hash), or for the registration's `rateLimit.group`. */
  limiterKey: string;
  /** Ms one attempt may take (never more than what is left of the deadline). */
  timeout: number;
  /** The end of the whole call (`totalTimeout` from its start): waits, attempts and backoff within it. */
  deadline: Deadline;
  /** Fires when the caller aborts or the application shuts down: the call ends at once. */
  signal: AbortSignal;
  mode: CacheMode;
  /** Whether a POST that OpenCX may have processed (a time-out, a lost connection) is sent again. */
  retryPostAfterTimeout: boolean;
  /** The call's trace, told of the cache step's outcome and of each attempt. */
  trace: CallTrace;
}
