import { OpenCxApiError, OpenCxConnectionError, OpenCxTimeoutError } from '../errors/opencx.errors.js';

/** The knobs of the retry policy (see `OpenCxModuleOptions` for their meaning and defaults). */
export interface RetryPolicy {
  maxRetries: number;
  retryDelay: number;
  maxRetryDelay: number;
  maxRetryAfter: number;
}

/**
 * Whether an attempt's failure is worth another attempt. Retrying is safe because
 * authenticate-user is an upsert keyed by email: a repeated call returns the same contact.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof OpenCxTimeoutError || error instanceof OpenCxConnectionError) return true;
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
): number | undefined {
  if (attempt >= policy.maxRetries || !isRetryable(error)) return undefined;
  const retryAfter = error instanceof OpenCxApiError ? error.retryAfter : undefined;
  if (retryAfter === undefined) return backoffDelay(attempt, policy, random);
  const waitMs = Math.ceil(retryAfter * 1000);
  return waitMs <= policy.maxRetryAfter ? waitMs : undefined;
}
