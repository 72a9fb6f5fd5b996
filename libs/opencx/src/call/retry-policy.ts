import { OpenCxApiError, OpenCxConnectionError, OpenCxTimeoutError } from '../errors/opencx.errors.js';

/** The knobs of the retry policy (see `OpenCxModuleOptions` for their meaning and defaults). */
export interface RetryPolicy {
  maxRetries: number;
  retryDelay: number;
  maxRetryDelay: number;
  maxRetryAfter: number;
}

/** Connection errors raised before the request left: OpenCX cannot have seen it. */
const NEVER_SENT: ReadonlySet<string | undefined> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * Whether an attempt ended without telling whether OpenCX processed it: a time-out, or a connection
 * lost after the request may have been sent.
 */
export function isUnconfirmed(error: unknown): boolean {
  if (error instanceof OpenCxTimeoutError) return true;
  return error instanceof OpenCxConnectionError && !NEVER_SENT.has(error.code);
}

/**
 * Whether an attempt's failure is worth another attempt. An unconfirmed attempt (see
 * {@link isUnconfirmed}) is sent again only when `unconfirmedMayRepeat`: for an idempotent request
 * (a DELETE), and for authenticate-user's POST unless `retryPostAfterTimeout` is false. Repeating
 * that POST is safe only if OpenCX treats it as an upsert keyed by the email (a repeated call
 * returning the same contact): ASSUMED, not documented by OpenCX.
 */
export function isRetryable(error: unknown, unconfirmedMayRepeat = true): boolean {
  if (error instanceof OpenCxTimeoutError || error instanceof OpenCxConnectionError) {
    return unconfirmedMayRepeat || !isUnconfirmed(error);
  }
  if (error instanceof OpenCxApiError) {
    const status = error.upstreamStatus;
    return status === 408 || status === 429 || status >= 500;
  }
  return false;
}

/** Exponential backoff with full jitter: uniform in [0, min(maxRetryDelay, retryDelay * 2^attempt)). */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxRetryDelay, policy.retryDelay * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * How long to wait before retrying after `error` on the zero-based `attempt`, or undefined when the
 * call should fail now: the error is not retryable, retries are spent, or the upstream asked for a
 * wait longer than `maxRetryAfter` (waiting that out would hold the caller hostage).
 */
export function retryDelay(
  error: unknown,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
  unconfirmedMayRepeat = true,
): number | undefined {
  if (attempt >= policy.maxRetries || !isRetryable(error, unconfirmedMayRepeat)) return undefined;
  const retryAfter = error instanceof OpenCxApiError ? error.retryAfter : undefined;
  if (retryAfter === undefined) return backoffDelay(attempt, policy, random);
  const waitMs = Math.ceil(retryAfter * 1000);
  return waitMs <= policy.maxRetryAfter ? waitMs : undefined;
}
