import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import type { OpenCxRequestOptions } from '../interfaces/request-options.interface.js';
import { checkCallOptions, type ResolvedOpenCxOptions } from '../opencx.options.js';
import { Deadline } from '../util/deadline.js';
import type { CallPlan } from './attempt-runner.js';

/** What a plan needs from its registration besides the options. */
export interface PlanContext {
  /** The limiter's key for the registration's own API key. */
  ownLimiterKey: string;
  /** Hashes another API key into its limiter key. */
  limiterKeyOf: (apiKey: string) => string;
  /** Fires when the application shuts down: every call in flight ends at once. */
  shutdown: AbortSignal;
}

/** A call's plan, and how it uses the cache. */
export type PlannedCall = CallPlan & { mode: 'use' | 'refresh' | 'bypass'; signal: AbortSignal };

/**
 * One call's settings: the module's options with the call's overrides, checked by the same rules
 * as the module's (each problem named "per-call ..."). The deadline starts now, so every step of
 * the call (cache, lock, limiter, attempts) counts against `totalTimeout`; the call's signal also
 * fires at shutdown.
 */
export function planCall(options: ResolvedOpenCxOptions, perCall: unknown, context: PlanContext): PlannedCall {
  if (perCall === null || typeof perCall !== 'object' || Array.isArray(perCall)) {
    throw new OpenCxConfigurationError(['per-call options must be an object']);
  }
  // One copy, read once: a getter cannot pass the check with one value and be used with another.
  const call: OpenCxRequestOptions = { ...(perCall as OpenCxRequestOptions) };
  checkCallOptions(call);
  const apiKey = call.apiKey ?? options.apiKey;
  return {
    apiKey,
    limiterKey: apiKey === options.apiKey ? context.ownLimiterKey : context.limiterKeyOf(apiKey),
    timeout: call.timeout ?? options.timeout,
    deadline: Deadline.after(call.totalTimeout ?? options.totalTimeout),
    maxRetries: call.maxRetries ?? options.maxRetries,
    retryDelay: options.retryDelay,
    maxRetryDelay: options.maxRetryDelay,
    maxRetryAfter: options.maxRetryAfter,
    signal: call.signal ? AbortSignal.any([call.signal, context.shutdown]) : context.shutdown,
    mode: call.cache ?? 'use',
    operation: 'authenticate-user',
  };
}
