import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import type { OpenCxRequestOptions } from '../interfaces/request-options.interface.js';
import { PER_CALL_RANGES, apiKeyProblem, numberProblem, type ResolvedOpenCxOptions } from '../opencx.options.js';
import type { CallPlan } from './attempt-runner.js';

const CACHE_MODES: ReadonlySet<unknown> = new Set(['use', 'refresh', 'bypass']);
const KNOWN: ReadonlySet<string> = new Set([
  ...Object.keys(PER_CALL_RANGES),
  'signal',
  'apiKey',
  'cache',
  'extraFields',
]);

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
  const problems: string[] = [];
  for (const [key, value] of Object.entries(perCall)) {
    if (value === undefined) continue;
    const range = PER_CALL_RANGES[key];
    const problem = range
      ? numberProblem(key, value, range)
      : key === 'apiKey'
        ? apiKeyProblem(value)
        : key === 'cache' && !CACHE_MODES.has(value)
          ? "cache must be 'use', 'refresh' or 'bypass'"
          : key === 'signal' && !(value instanceof AbortSignal)
            ? 'signal must be an AbortSignal'
            : KNOWN.has(key)
              ? undefined
              : `${key} is not an option`;
    if (problem) problems.push(`per-call ${problem}`);
  }
  if (problems.length > 0) throw new OpenCxConfigurationError(problems);
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
