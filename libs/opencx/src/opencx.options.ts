import { plainToInstance } from 'class-transformer';
import type { Keyv } from 'keyv';
import { IsInt, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';
import { toFieldErrors } from './dto/validate-authenticate-user.js';
import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import type { OpenCxAttemptListener } from './http/attempt-event.js';

/** `cache` option: reuse a contact token for the same (API key, payload). */
export interface OpenCxCacheOptions {
  /** Longest a token is reused, in ms (never past its `exp` claim minus `skew`). Default 300000 (5 min). */
  ttl?: number;
  /** Safety margin before the token's `exp` claim, in ms. Default 30000. */
  skew?: number;
  /** Entries kept by the default in-memory LRU store. Default 10000. */
  maxEntries?: number;
  /** Any Keyv instance to keep tokens in (e.g. `new Keyv(new KeyvRedis(url))`). Default: in memory, or Redis when `redis` is set. */
  store?: Keyv;
}

/** `rateLimit` option: the client-side limit on upstream calls. */
export interface OpenCxRateLimitOptions {
  /** Upstream calls per minute per API key. Default 100 (OpenCX's documented limit). */
  perMinute?: number;
  /** Longest a call waits for a slot, in ms, before failing with OpenCxRateLimitError. Default 10000. */
  maxWait?: number;
  /** Calls that may wait per key at once; more fail at once. Default 1000. */
  maxQueue?: number;
}

/** Options of {@link OpenCxModule}. Every option but `apiKey` has a default. */
export interface OpenCxModuleOptions {
  /** The organisation's OpenCX API key, sent as `Authorization: Bearer <apiKey>`. Required. */
  apiKey: string;
  /** Base URL of the OpenCX API. Default `https://api.open.cx`. */
  baseUrl?: string;
  /** Milliseconds one attempt may take, connection to last byte. Default 10000. */
  timeout?: number;
  /** Retries after the first attempt for connection errors, timeouts, 408, 429 and 5xx. Default 2. */
  maxRetries?: number;
  /** Base of the exponential backoff in milliseconds (full jitter). Default 500. */
  retryDelay?: number;
  /** Upper bound of one backoff delay in milliseconds. Default 8000. */
  maxRetryDelay?: number;
  /**
   * The longest `Retry-After` (in milliseconds) the client will wait out. An upstream asking for
   * longer fails the call at once with the error, whose `retryAfter` carries the upstream's value.
   * Default 60000.
   */
  maxRetryAfter?: number;
  /** Largest response body accepted, in bytes; a larger one is cut off and rejected. Default 1048576 (1 MiB). */
  maxResponseBytes?: number;
  /** Token cache settings, or `false` to call OpenCX every time. Default: enabled with the defaults above. */
  cache?: OpenCxCacheOptions | false;
  /** Client-side rate limit, or `false` for none. Default: enabled, 100 per minute per API key. */
  rateLimit?: OpenCxRateLimitOptions | false;
  /**
   * Redis URL (`redis://` or `rediss://`) shared by a fleet: the token cache, the rate limit and
   * single-flight then span every instance. A Redis outage falls back to per-instance behaviour.
   * Default: none (everything in memory).
   */
  redis?: string;
  /**
   * How long, in ms, `checkHealth()` (and `OpenCxHealthIndicator`) reuses what it last learned
   * about OpenCX, from real traffic or a probe, before sending a probe. Default 60000.
   */
  healthCheckInterval?: number;
  /**
   * Called after every upstream attempt with its outcome, duration and retry decision (no
   * personal data), e.g. to feed Prometheus or OpenTelemetry. It runs on the request path: keep
   * it fast. A throwing or rejecting listener is logged and ignored. Default: none.
   */
  onAttempt?: OpenCxAttemptListener;
}

/** Options with every default applied; what the service actually uses. */
export type ResolvedOpenCxOptions = Required<
  Omit<OpenCxModuleOptions, 'cache' | 'rateLimit' | 'redis' | 'onAttempt'>
> & {
  cache: (Required<Omit<OpenCxCacheOptions, 'store'>> & { store?: Keyv }) | false;
  rateLimit: Required<OpenCxRateLimitOptions> | false;
  redis?: string;
  onAttempt?: OpenCxAttemptListener;
};

/** The defaults, visible and overridable (per module in the options, per call in `authenticateUser`). */
export const OPENCX_DEFAULTS = {
  baseUrl: 'https://api.open.cx',
  timeout: 10_000,
  maxRetries: 2,
  retryDelay: 500,
  maxRetryDelay: 8_000,
  maxRetryAfter: 60_000,
  maxResponseBytes: 1_048_576,
  healthCheckInterval: 60_000,
  cache: { ttl: 300_000, skew: 30_000, maxEntries: 10_000 },
  rateLimit: { perMinute: 100, maxWait: 10_000, maxQueue: 1_000 },
} as const;

// A key is sent in a header: it must be a non-empty token with no whitespace or control character.
const API_KEY = /^[\x21-\x7e]+$/;
const API_KEY_MESSAGE = 'apiKey must be a non-empty string of printable characters without spaces';

const CACHE_LIMITS = { ttl: 0, skew: 0, maxEntries: 1 } as const;
const RATE_LIMIT_LIMITS = { perMinute: 1, maxWait: 0, maxQueue: 0 } as const;

/** A copy without the keys whose value is undefined ("unset" means "use the default"). */
export function withoutUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** Problems of a `false | { ...integers }` option, each naming `name.field`. */
function nestedProblems(
  name: string,
  value: unknown,
  minimums: Record<string, number>,
  extra: string[] = [],
): string[] {
  if (value === false) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [`${name} must be false or an object`];
  const problems: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    if (extra.includes(key) || item === undefined) continue;
    if (!(key in minimums)) problems.push(`${name}.${key} is not an option`);
    else if (!Number.isInteger(item) || (item as number) < minimums[key]!) {
      problems.push(`${name}.${key} must be an integer of at least ${minimums[key]}`);
    }
  }
  return problems;
}

class OpenCxOptionsSchema implements Omit<ResolvedOpenCxOptions, 'cache' | 'rateLimit' | 'redis' | 'onAttempt'> {
  @IsString({ message: API_KEY_MESSAGE })
  @Matches(API_KEY, { message: API_KEY_MESSAGE })
  apiKey!: string;

  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'baseUrl must be an http or https URL' },
  )
  baseUrl!: string;

  @IsInt({ message: 'timeout must be an integer number of milliseconds' })
  @Min(1, { message: 'timeout must be at least 1 ms' })
  @Max(600_000, { message: 'timeout must be at most 600000 ms' })
  timeout!: number;

  @IsInt({ message: 'maxRetries must be an integer' })
  @Min(0, { message: 'maxRetries must be at least 0' })
  @Max(10, { message: 'maxRetries must be at most 10' })
  maxRetries!: number;

  @IsInt({ message: 'retryDelay must be an integer number of milliseconds' })
  @Min(0, { message: 'retryDelay must be at least 0' })
  retryDelay!: number;

  @IsInt({ message: 'maxRetryDelay must be an integer number of milliseconds' })
  @Min(0, { message: 'maxRetryDelay must be at least 0' })
  maxRetryDelay!: number;

  @IsInt({ message: 'maxRetryAfter must be an integer number of milliseconds' })
  @Min(0, { message: 'maxRetryAfter must be at least 0' })
  maxRetryAfter!: number;

  @IsInt({ message: 'maxResponseBytes must be an integer' })
  @Min(1024, { message: 'maxResponseBytes must be at least 1024' })
  maxResponseBytes!: number;

  @IsInt({ message: 'healthCheckInterval must be an integer number of milliseconds' })
  @Min(0, { message: 'healthCheckInterval must be at least 0' })
  healthCheckInterval!: number;
}

/**
 * Applies defaults and validates the module options (and per-call overrides). Unknown options are
 * errors too, so a typo such as `apikey` fails start-up instead of silently using a default.
 */
export function resolveOpenCxOptions(options: OpenCxModuleOptions | undefined): ResolvedOpenCxOptions {
  if (options === null || typeof options !== 'object') {
    throw new OpenCxConfigurationError(['options must be an object with at least apiKey']);
  }
  const { cache, rateLimit, redis, onAttempt, ...flat } = withoutUndefined(options);
  const { cache: defaultCache, rateLimit: defaultRateLimit, ...flatDefaults } = OPENCX_DEFAULTS;
  const resolved = { ...flatDefaults, ...flat };
  const errors = validateSync(plainToInstance(OpenCxOptionsSchema, resolved), {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
  });
  const problems = [
    ...toFieldErrors(errors).flatMap((e) => e.messages),
    ...nestedProblems('cache', cache ?? {}, CACHE_LIMITS, ['store']),
    ...nestedProblems('rateLimit', rateLimit ?? {}, RATE_LIMIT_LIMITS),
  ];
  const store = cache ? cache.store : undefined;
  if (store !== undefined && (typeof store?.get !== 'function' || typeof store?.set !== 'function')) {
    problems.push('cache.store must be a Keyv instance');
  }
  if (redis !== undefined && (typeof redis !== 'string' || !/^rediss?:\/\/\S+$/.test(redis))) {
    problems.push('redis must be a redis:// or rediss:// URL');
  }
  if (onAttempt !== undefined && typeof onAttempt !== 'function') problems.push('onAttempt must be a function');
  if (problems.length > 0) throw new OpenCxConfigurationError(problems);
  // Validated above: apiKey is a non-empty string from here on.
  return {
    ...(resolved as typeof resolved & { apiKey: string }),
    baseUrl: resolved.baseUrl.replace(/\/+$/, ''),
    cache: cache === false ? false : { ...defaultCache, ...withoutUndefined(cache ?? {}) },
    rateLimit: rateLimit === false ? false : { ...defaultRateLimit, ...withoutUndefined(rateLimit ?? {}) },
    ...(redis === undefined ? {} : { redis }),
    ...(onAttempt === undefined ? {} : { onAttempt }),
  };
}
