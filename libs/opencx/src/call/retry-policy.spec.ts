import {
  OpenCxApiError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
  OpenCxValidationError,
  createOpenCxApiError,
} from '../errors/opencx.errors.js';
import { backoffDelay, isRetryable, isUnconfirmed, retryDelay, type RetryPolicy } from './retry-policy.js';

const policy: RetryPolicy = { maxRetries: 2, retryDelay: 500, maxRetryDelay: 8000, maxRetryAfter: 60_000 };
const api = (status: number, retryAfter?: number): OpenCxApiError => createOpenCxApiError({ status, retryAfter });

describe('retry policy', () => {
  it.each([408, 429, 500, 502, 503, 504, 599])('retries status %i', (status) => {
    expect(isRetryable(api(status))).toBe(true);
  });

  it.each([400, 401, 403, 404, 409, 422, 418])('never retries status %i', (status) => {
    expect(isRetryable(api(status))).toBe(false);
  });

  it('retries timeouts and connection errors, not validation or invalid responses', () => {
    expect(isRetryable(new OpenCxTimeoutError(1))).toBe(true);
    expect(isRetryable(new OpenCxConnectionError('ECONNRESET'))).toBe(true);
    expect(isRetryable(new OpenCxValidationError([]))).toBe(false);
    expect(isRetryable(new OpenCxInvalidResponseError(200, 'x'))).toBe(false);
    expect(isRetryable(new Error('other'))).toBe(false);
  });

  it('repeats an attempt OpenCX may have processed only when allowed, and one it never saw always', () => {
    const timedOut = new OpenCxTimeoutError(1);
    const lost = new OpenCxConnectionError('ECONNRESET');
    expect([isUnconfirmed(timedOut), isUnconfirmed(lost)]).toEqual([true, true]);
    expect([isRetryable(timedOut, false), isRetryable(lost, false)]).toEqual([false, false]);
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']) {
      const refused = new OpenCxConnectionError(code);
      expect([isUnconfirmed(refused), isRetryable(refused, false)]).toEqual([false, true]);
    }
    expect(isRetryable(api(503), false)).toBe(true);
    expect(retryDelay(timedOut, 0, policy, () => 0.5, false)).toBeUndefined();
    expect(retryDelay(timedOut, 0, policy, () => 0.5, true)).toBe(250);
  });

  it('backs off exponentially with full jitter, capped at maxRetryDelay', () => {
    expect(backoffDelay(0, policy, () => 0.999)).toBe(499);
    expect(backoffDelay(1, policy, () => 0.999)).toBe(999);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0.999)).toBe(7992);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(1, policy);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(1000);
    }
  });

  it('stops after maxRetries attempts', () => {
    expect(retryDelay(api(503), 0, policy, () => 0.5)).toBe(250);
    expect(retryDelay(api(503), 1, policy, () => 0.5)).toBe(500);
    expect(retryDelay(api(503), 2, policy, () => 0.5)).toBeUndefined();
    expect(retryDelay(api(503), 0, { ...policy, maxRetries: 0 })).toBeUndefined();
  });

  it('waits exactly Retry-After when present, and fails at once past maxRetryAfter', () => {
    expect(retryDelay(api(429, 2), 0, policy)).toBe(2000);
    expect(retryDelay(api(503, 0.25), 0, policy)).toBe(250);
    expect(retryDelay(api(429, 60), 0, policy)).toBe(60_000);
    expect(retryDelay(api(429, 36_000), 0, policy)).toBeUndefined();
    expect(retryDelay(api(400, 1), 0, policy)).toBeUndefined();
  });
});
