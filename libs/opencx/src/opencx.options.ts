import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import type { OpenCxAttemptListener } from './call/attempt-event.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';

/** `cache` option: reuse a contact's token while its profile is unchanged. */
export interface OpenCxCacheOptions {
  /** Longest a token is reused, in ms (never past its `exp` claim minus `skew`). Default 300000 (5 min). */
  ttl?: number;
  /** Safety margin before the token's `exp` claim, in ms. Default 30000. */
  skew?: number;
  /** Contacts kept by the in-memory cache (least recently used go first). Default 10000. */
  maxEntries?: number;
}

/** `rateLimit` option: the client-side limit on upstream calls. */
export interface OpenCxRateLimitOptions {
  /** Upstream calls per minute per API key, across the fleet when `redis` is set. Default 100 (OpenCX's documented limit). */
  perMinute?: number;
  /** Longest a call waits for a slot, in ms, before failing with OpenCxRateLimitError. Default 10000. */
  maxWait?: number;
  /** Calls that may wait per key in this instance at once; more fail at once. Default 1000. */
  maxQueue?: number;
  /**
   * Instances sharing the API key. While Redis is unreachable (or without `redis`), each instance
   * allows itself `perMinute / instances`, so the fleet stays under the quota. Default 1.
   */
  instances?: number;
  /** Length of the upstream's window in ms: 60000 for "per minute"; shorter only in tests. Default 60000. */
  window?: number;
}

/**
 * A Redis connection the application already has: a node-redis client or cluster (`createClient()`,
 * `createCluster()`), connected. The library uses only `eval`, and never closes it.
 */
export interface OpenCxRedisClient {
  /** node-redis's `EVAL`: runs a Lua script with its keys and arguments. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link OpenCxModule}. Every option but `apiKey` has a default. */
export interface OpenCxModuleOptions {
  /** The organisation's OpenCX API key, sent as `Authorization: Bearer <apiKey>`. Required. */
  apiKey: string;
  /** Base URL of the OpenCX API. Default `https://api.open.cx`. */
  baseUrl?: string;
  /** Milliseconds one attempt may take, connection to last byte. Default 10000. */
  timeout?: number;
  /**
   * Milliseconds the whole call may take: waits for a rate-limit slot, attempts and backoff
   * included. Past it the call fails with OpenCxTimeoutError. Default 30000.
   */
  totalTimeout?: number;
  /** Retries after the first attempt for connection errors, timeouts, 408, 429 and 5xx. Default 2. */
  maxRetries?: number;
  /** Base of the exponential backoff in milliseconds (full jitter). Default 500. */
  retryDelay?: number;
  /** Upper bound of one backoff delay in milliseconds. Default 8000. */
  maxRetryDelay?: number;
  /**
   * The longest `Retry-After` (in ms) the client waits out, and the longest an upstream 429 may
   * pause the API key. A longer one fails the call at once and pauses the key for this long only.
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
   * Redis shared by a fleet: a `redis://` or `rediss://` URL (needs the optional peer `redis`), or
   * a connected node-redis client or cluster. The token cache (encrypted), the rate limit and
   * single-flight then span every instance. A Redis outage falls back to per-instance behaviour
   * after one bounded wait. Default: none (everything in memory).
   */
  redis?: string | OpenCxRedisClient;
  /**
   * Where the fleet's shared state lives (see {@link OpenCxFleetStore}): `RedisFleetStore` from
   * `nestjs-opencx/redis`, or your own implementation. Closed with the application. Not together
   * with `redis`. Default: a `MemoryFleetStore` (this process only).
   */
  store?: OpenCxFleetStore;
  /**
   * Longest one Redis operation may take, in ms, before the library uses its in-memory behaviour
   * (and stops asking Redis for a few seconds). Default 1000.
   */
  redisTimeout?: number;
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

/** Options with every default applied: what the steps of a call use. */
export interface ResolvedOpenCxOptions {
  apiKey: string;
  baseUrl: string;
  timeout: number;
  totalTimeout: number;
  maxRetries: number;
  retryDelay: number;
  maxRetryDelay: number;
  maxRetryAfter: number;
  maxResponseBytes: number;
  cache: Required<OpenCxCacheOptions> | false;
  rateLimit: Required<OpenCxRateLimitOptions> | false;
  redis?: string | OpenCxRedisClient;
  store?: OpenCxFleetStore;
  redisTimeout: number;
  healthCheckInterval: number;
  onAttempt?: OpenCxAttemptListener;
}

/** The defaults, visible and overridable (per module in the options, some per call). */
export const OPENCX_DEFAULTS = {
  baseUrl: 'https://api.open.cx',
  timeout: 10_000,
  totalTimeout: 30_000,
  maxRetries: 2,
  retryDelay: 500,
  maxRetryDelay: 8_000,
  maxRetryAfter: 60_000,
  maxResponseBytes: 1_048_576,
  redisTimeout: 1_000,
  healthCheckInterval: 60_000,
  cache: { ttl: 300_000, skew: 30_000, maxEntries: 10_000 },
  rateLimit: { perMinute: 100, maxWait: 10_000, maxQueue: 1_000, instances: 1, window: 60_000 },
} as const;

/** Integer options and their ranges (inclusive). */
type Ranges = Readonly<Record<string, readonly [number, number]>>;

const DAY = 86_400_000;
const TOP_LEVEL: Ranges = {
  timeout: [1, 600_000],
  totalTimeout: [1, 3_600_000],
  maxRetries: [0, 10],
  retryDelay: [0, DAY],
  maxRetryDelay: [0, DAY],
  maxRetryAfter: [0, DAY],
  maxResponseBytes: [1024, 1_073_741_824],
  redisTimeout: [1, 60_000],
  healthCheckInterval: [0, DAY],
};
const CACHE: Ranges = { ttl: [0, DAY], skew: [0, DAY], maxEntries: [1, 10_000_000] };
const RATE_LIMIT: Ranges = {
  perMinute: [1, 1_000_000],
  maxWait: [0, DAY],
  maxQueue: [0, 1_000_000],
  instances: [1, 10_000],
  window: [100, DAY],
};
const OTHER_OPTIONS = new Set(['apiKey', 'baseUrl', 'cache', 'rateLimit', 'redis', 'store', 'onAttempt']);

// A key is sent in a header: a non-empty token with no whitespace or control character.
const API_KEY = /^[\x21-\x7e]+$/;

/** One problem per field: "must be a number" for a string, else the range. */
export function numberProblem(name: string, value: unknown, [min, max]: readonly [number, number]): string | undefined {
  if (typeof value !== 'number' || Number.isNaN(value)) return `${name} must be a number`;
  if (!Number.isInteger(value) || value < min || value > max) return `${name} must be an integer from ${min} to ${max}`;
  return undefined;
}

/** Problems of the integer fields of `record` (unknown keys included when `strict`). */
function rangeProblems(record: Record<string, unknown>, ranges: Ranges, prefix: string, known?: Set<string>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const range = ranges[key];
    if (range) {
      const problem = numberProblem(`${prefix}${key}`, value, range);
      if (problem) problems.push(problem);
    } else if (!known?.has(key)) {
      problems.push(`${prefix}${key} is not an option`);
    }
  }
  return problems;
}

function sectionProblems(name: string, value: unknown, ranges: Ranges): string[] {
  if (value === undefined || value === false) return [];
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return [`${name} must be false or an object`];
  return rangeProblems(value as Record<string, unknown>, ranges, `${name}.`);
}

/** Why `apiKey` is unusable, or undefined. */
export function apiKeyProblem(apiKey: unknown): string | undefined {
  if (apiKey === undefined || apiKey === '') return 'apiKey is required';
  if (typeof apiKey !== 'string' || !API_KEY.test(apiKey)) {
    return 'apiKey must be a string of printable characters without spaces';
  }
  return undefined;
}

function baseUrlProblem(baseUrl: unknown): string | undefined {
  if (baseUrl === undefined) return undefined;
  const url = typeof baseUrl === 'string' && URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    return 'baseUrl must be an http or https URL without credentials';
  }
  return undefined;
}

function redisProblem(redis: unknown): string | undefined {
  if (redis === undefined) return undefined;
  if (typeof redis === 'string')
    return /^rediss?:\/\/\S+$/.test(redis) ? undefined : 'redis must be a redis:// or rediss:// URL';
  if (redis !== null && typeof (redis as { eval?: unknown }).eval === 'function') return undefined;
  return 'redis must be a redis:// URL or a connected node-redis client';
}

const STORE_METHODS = ['lookup', 'save', 'unlock', 'evict', 'reserve', 'claim', 'release', 'pause', 'pausedFor'];

function storeProblem(store: unknown, redis: unknown): string | undefined {
  if (store === undefined) return undefined;
  if (redis !== undefined) return 'store and redis cannot both be set: redis is a shorthand for a RedisFleetStore';
  const missing = STORE_METHODS.filter(
    (method) => typeof (store as Record<string, unknown> | null)?.[method] !== 'function',
  );
  return missing.length === 0 ? undefined : `store must implement OpenCxFleetStore (missing: ${missing.join(', ')})`;
}

/** Integer options a call may override, with the same ranges as the module's. */
export const PER_CALL_RANGES: Ranges = {
  timeout: TOP_LEVEL.timeout!,
  totalTimeout: TOP_LEVEL.totalTimeout!,
  maxRetries: TOP_LEVEL.maxRetries!,
};

/**
 * Applies defaults and validates the module options, in one pass that reports every problem, one
 * line per option. Unknown options are errors too, so a typo such as `apikey` fails start-up
 * instead of silently using a default.
 */
export function resolveOpenCxOptions(options: OpenCxModuleOptions | undefined): ResolvedOpenCxOptions {
  if (options === null || typeof options !== 'object') {
    throw new OpenCxConfigurationError(['options must be an object with at least apiKey']);
  }
  const record = options as unknown as Record<string, unknown>;
  const problems = [
    apiKeyProblem(options.apiKey),
    baseUrlProblem(options.baseUrl),
    redisProblem(options.redis),
    storeProblem(options.store, options.redis),
    options.onAttempt !== undefined && typeof options.onAttempt !== 'function'
      ? 'onAttempt must be a function'
      : undefined,
    ...rangeProblems(record, TOP_LEVEL, '', OTHER_OPTIONS),
    ...sectionProblems('cache', options.cache, CACHE),
    ...sectionProblems('rateLimit', options.rateLimit, RATE_LIMIT),
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new OpenCxConfigurationError(problems);
  const { cache: defaultCache, rateLimit: defaultRateLimit, ...flatDefaults } = OPENCX_DEFAULTS;
  const set = withoutUndefined(options);
  return {
    ...flatDefaults,
    ...set,
    baseUrl: (set.baseUrl ?? flatDefaults.baseUrl).replace(/\/+$/, ''),
    cache: options.cache === false ? false : { ...defaultCache, ...withoutUndefined(options.cache ?? {}) },
    rateLimit:
      options.rateLimit === false ? false : { ...defaultRateLimit, ...withoutUndefined(options.rateLimit ?? {}) },
  } as ResolvedOpenCxOptions;
}

/** A copy without the keys whose value is undefined ("unset" means "use the default"). */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}

/**
 * A class that makes the options, for `OpenCxModule.forRootAsync({ useClass })` or
 * `({ useExisting })`.
 */
export interface OpenCxOptionsFactory {
  /** The module's options, as `useFactory` would return them. */
  createOpenCxOptions(): OpenCxModuleOptions | Promise<OpenCxModuleOptions>;
}
