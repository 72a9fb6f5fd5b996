import { hash } from 'node:crypto';
import type { OpenCxRequestOptions } from '../interfaces/request-options.interface.js';
import type { ResolvedOpenCxOptions } from '../opencx.options.js';
import type { CallTrace } from '../telemetry/telemetry.js';
import { Deadline } from '../util/deadline.js';
import type { Call, OpenCxOperation } from './call.js';

/** The rate limiter's key for an API key: hashed, as it may be stored in Redis. */
export function limiterKeyOf(apiKey: string): string {
  return hash('sha256', apiKey, 'base64url');
}

/**
 * Makes each call's settings: the module's options with the call's overrides (already read once
 * and checked by the module's rules, see `readCallOptions`). The deadline starts when the call is planned, so every step of the call
 * (cache, lock, limiter, attempts) counts against `totalTimeout`; the call's signal also fires at
 * shutdown.
 */
export class CallPlanner {
  /** The limiter key of the registration's own calls: its API key's, or its `rateLimit.group`'s. */
  readonly ownLimiterKey: string;

  constructor(
    private readonly options: ResolvedOpenCxOptions,
    private readonly shutdown: AbortSignal,
  ) {
    const { rateLimit } = options;
    this.ownLimiterKey = limiterKeyOf(rateLimit && rateLimit.group ? `group:${rateLimit.group}` : options.apiKey);
  }

  /** The registration's API key, for calls that name none. */
  get apiKey(): string {
    return this.options.apiKey;
  }

  /** The registration's `totalTimeout`, for calls that set none. */
  get totalTimeout(): number {
    return this.options.totalTimeout;
  }

  /** The settings of one call of `operation` with its `options` (read once and checked), starting now. */
  plan(operation: OpenCxOperation, options: OpenCxRequestOptions, trace: CallTrace): Call {
    const { options: module } = this;
    const apiKey = options.apiKey ?? module.apiKey;
    return {
      operation,
      apiKey,
      limiterKey: apiKey === module.apiKey ? this.ownLimiterKey : limiterKeyOf(apiKey),
      timeout: options.timeout ?? module.timeout,
      deadline: Deadline.after(options.totalTimeout ?? module.totalTimeout),
      maxRetries: options.maxRetries ?? module.maxRetries,
      retryDelay: module.retryDelay,
      maxRetryDelay: module.maxRetryDelay,
      maxRetryAfter: module.maxRetryAfter,
      retryPostAfterTimeout: module.retryPostAfterTimeout,
      signal: options.signal ? AbortSignal.any([options.signal, this.shutdown]) : this.shutdown,
      mode: options.cache ?? 'use',
      trace,
    };
  }
}
