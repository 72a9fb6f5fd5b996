import type { OpenCxRequestOptions } from '../interfaces/request-options.interface.js';
import { checkCallOptions, type ResolvedOpenCxOptions } from '../opencx.options.js';
import type { CallPlan } from './attempt-runner.js';

/**
 * One call's settings: the module's options with the call's overrides, checked by the same rules
 * as the module's (each problem named "per-call ..."). `limiterKeyOf` hashes another API key.
 */
export function planCall(
  options: ResolvedOpenCxOptions,
  perCall: OpenCxRequestOptions,
  ownLimiterKey: string,
  limiterKeyOf: (apiKey: string) => string,
): CallPlan & { mode: 'use' | 'refresh' | 'bypass' } {
  checkCallOptions(perCall);
  const apiKey = perCall.apiKey ?? options.apiKey;
  return {
    apiKey,
    limiterKey: apiKey === options.apiKey ? ownLimiterKey : limiterKeyOf(apiKey),
    timeout: perCall.timeout ?? options.timeout,
    totalTimeout: perCall.totalTimeout ?? options.totalTimeout,
    maxRetries: perCall.maxRetries ?? options.maxRetries,
    retryDelay: options.retryDelay,
    maxRetryDelay: options.maxRetryDelay,
    maxRetryAfter: options.maxRetryAfter,
    signal: perCall.signal,
    mode: perCall.cache ?? 'use',
  };
}
