import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import type { OpenCxAttemptListener } from './call/attempt-event.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';
import { redisClientKind, type OpenCxRedisClient } from './redis/redis-client.js';

// The Redis client types live with the Redis store; kept reachable here for the option's users.
export type { OpenCxRedisClient, NodeRedisClient, IoRedisClient } from './redis/redis-client.js';
export { redisClientKind };

/** `cache` option: reuse a contact's token while its profile is unchanged. */
export interface OpenCxCacheOptions {
  /** Longest a token is reused, in ms (never past its `exp` claim minus `skew`). Default 300000 (5 min). */
  ttl?: number;
  /** Safety margin before the token's `exp` claim, in ms. Default 30000. */
  skew?: number;
  /**
   * Contacts kept by the in-memory cache (least recently used go first; expired ones go first of
   * all). Default 100000: entries are made at most at the rate limit (100 a minute), so this holds
   * about 17 hours of distinct users at full quota, in about 120 MB when full (about 1.2 KB each).
   */
  maxEntries?: number;
}

/** `rateLimit` option: the client-side limit on upstream calls. */
export interface OpenCxRateLimitOptions {
  /** Upstream calls per minute per API key, across the fleet when `redis` is set. Default 100 (OpenCX's documented limit). */
  perMinute?: number;
  /** Longest a call waits for a slot, in ms, before failing with OpenCxClientRateLimitError. Default 10000. */
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
  /**
   * A name shared by the registrations (and API keys) of one organisation that share OpenCX's
   * limit: they are then counted together, in this process and across the fleet. OpenCX documents
   * the limit without saying whether it is per key or per organisation. Default: none (each API
   * key its own limit).
   */
  group?: string;
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
  /**
   * Spans and metrics through OpenTelemetry when `@opentelemetry/api` is installed (an optional
   * peer; without an SDK registered they cost next to nothing). `false` turns them off. Default true.
   */
  telemetry?: boolean;
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
  rateLimit: (Required<Omit<OpenCxRateLimitOptions, 'group'>> & { group?: string }) | false;
  redis?: string | OpenCxRedisClient;
  store?: OpenCxFleetStore;
  redisTimeout: number;
  healthCheckInterval: number;
  onAttempt?: OpenCxAttemptListener;
  telemetry: boolean;
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
  telemetry: true,
  cache: { ttl: 300_000, skew: 30_000, maxEntries: 100_000 },
  rateLimit: { perMinute: 100, maxWait: 10_000, maxQueue: 1_000, instances: 1, window: 60_000 },
} as const;

/**
 * One option's rule: the problems of a value that is set (never undefined), each naming the option
 * by `name` and never printing the value.
 */
type Rule = (value: unknown, name: string) => string[];
type Rules = Readonly<Record<string, Rule>>;

const DAY = 86_400_000;

/** An integer from `min` to `max`: "must be a number" for a string from the environment, else the range. */
const integer =
  (min: number, max: number): Rule =>
  (value, name) => {
    if (typeof value !== 'number' || Number.isNaN(value)) return [`${name} must be a number`];
    if (!Number.isInteger(value) || value < min || value > max)
      return [`${name} must be an integer from ${min} to ${max}`];
    return [];
  };

/** A rule from a check that says what is wrong, or undefined. */
const check =
  (problem: (value: unknown) => string | undefined): Rule =>
  (value, name) => {
    const found = problem(value);
    return found === undefined ? [] : [`${name} ${found}`];
  };

// A key is sent in a header: a non-empty token with no whitespace or control character.
const API_KEY = /^[\x21-\x7e]+$/;

const apiKey = check((value) => {
  if (value === '') return 'is required';
  return typeof value === 'string' && API_KEY.test(value)
    ? undefined
    : 'must be a string of printable characters without spaces';
});

const baseUrl = check((value) => {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  return url && (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password
    ? undefined
    : 'must be an http or https URL without credentials';
});

const redis = check((value) => {
  if (typeof value === 'string')
    return /^rediss?:\/\/\S+$/.test(value) ? undefined : 'must be a redis:// or rediss:// URL';
  return redisClientKind(value) === undefined
    ? 'must be a redis:// URL or a connected node-redis, ioredis or iovalkey client'
    : undefined;
});

const STORE_METHODS = ['lookup', 'save', 'unlock', 'evict', 'reserve', 'claim', 'release', 'pause', 'pausedFor'];

const store = check((value) => {
  const missing = STORE_METHODS.filter(
    (method) => typeof (value as Record<string, unknown> | null)?.[method] !== 'function',
  );
  return missing.length === 0 ? undefined : `must implement OpenCxFleetStore (missing: ${missing.join(', ')})`;
});

const fn = check((value) => (typeof value === 'function' ? undefined : 'must be a function'));

// The options a call may override, with the same rule in both tables.
const timeout = integer(1, 600_000);
const totalTimeout = integer(1, 3_600_000);
const maxRetries = integer(0, 10);

/** Every problem of `record`'s set fields by `rules`; a field without a rule is not an option. */
function problemsOf(record: object, rules: Rules, prefix: string): string[] {
  return Object.entries(record).flatMap(([key, value]) => {
    if (value === undefined) return [];
    const rule = rules[key];
    return rule ? rule(value, `${prefix}${key}`) : [`${prefix}${key} is not an option`];
  });
}

/** A group of options (`cache`, `rateLimit`): `false`, or an object checked by its own rules. */
const section =
  (rules: Rules): Rule =>
  (value, name) => {
    if (value === false) return [];
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return [`${name} must be false or an object`];
    return problemsOf(value, rules, `${name}.`);
  };

/** The rules of the module's options, and (a subset) of a call's: one table, so the two cannot differ. */
const MODULE_RULES: Rules = {
  apiKey,
  baseUrl,
  timeout,
  totalTimeout,
  maxRetries,
  retryDelay: integer(0, DAY),
  maxRetryDelay: integer(0, DAY),
  maxRetryAfter: integer(0, DAY),
  maxResponseBytes: integer(1024, 1_073_741_824),
  cache: section({ ttl: integer(0, DAY), skew: integer(0, DAY), maxEntries: integer(1, 10_000_000) }),
  rateLimit: section({
    perMinute: integer(1, 1_000_000),
    maxWait: integer(0, DAY),
    maxQueue: integer(0, 1_000_000),
    instances: integer(1, 10_000),
    window: integer(100, DAY),
    group: check((value) =>
      typeof value === 'string' && /^[\w.:-]{1,64}$/.test(value)
        ? undefined
        : 'must be 1 to 64 letters, digits, "_", ".", ":" or "-"',
    ),
  }),
  redis,
  store,
  redisTimeout: integer(1, 60_000),
  healthCheckInterval: integer(0, DAY),
  onAttempt: fn,
  telemetry: check((value) => (typeof value === 'boolean' ? undefined : 'must be true or false')),
};

const CACHE_MODES: ReadonlySet<unknown> = new Set(['use', 'refresh', 'bypass']);

/** The options a call may override: the module's rules for the same names, and the call's own. */
const CALL_RULES: Rules = {
  apiKey,
  timeout,
  totalTimeout,
  maxRetries,
  signal: check((value) => (value instanceof AbortSignal ? undefined : 'must be an AbortSignal')),
  cache: check((value) => (CACHE_MODES.has(value) ? undefined : "must be 'use', 'refresh' or 'bypass'")),
  // Checked as input with the body's rules (validate-input.ts): its problems are the caller's.
  extraFields: () => [],
};

/** Why an API key is unusable (missing included), or undefined. */
export function apiKeyProblem(value: unknown): string | undefined {
  return value === undefined ? 'apiKey is required' : apiKey(value, 'apiKey')[0];
}

/**
 * Checks a call's options by the module's rules (each problem named "per-call ..."), or throws
 * OpenCxConfigurationError naming every bad one.
 */
export function checkCallOptions(options: object): void {
  const problems = problemsOf(options, CALL_RULES, 'per-call ');
  if (problems.length > 0) throw new OpenCxConfigurationError(problems);
}

/**
 * Applies defaults and validates the module options, in one pass that reports every problem, one
 * line per option. Unknown options are errors too, so a typo such as `apikey` fails start-up
 * instead of silently using a default.
 */
export function resolveOpenCxOptions(options: OpenCxModuleOptions | undefined): ResolvedOpenCxOptions {
  if (options === null || typeof options !== 'object') {
    throw new OpenCxConfigurationError(['options must be an object with at least apiKey']);
  }
  const problems = [
    ...(options.apiKey === undefined ? ['apiKey is required'] : []),
    ...problemsOf(options, MODULE_RULES, ''),
    ...(options.store !== undefined && options.redis !== undefined
      ? ['store and redis cannot both be set: redis is a shorthand for a RedisFleetStore']
      : []),
  ];
  if (problems.length > 0) throw new OpenCxConfigurationError(problems);
  const callLimit = options.totalTimeout ?? OPENCX_DEFAULTS.totalTimeout;
  const maxWait = (options.rateLimit || undefined)?.maxWait ?? OPENCX_DEFAULTS.rateLimit.maxWait;
  if (options.rateLimit !== false && maxWait > callLimit) {
    // The wait is part of the call: a slot further away than totalTimeout could never be used.
    throw new OpenCxConfigurationError([
      `rateLimit.maxWait (${maxWait} ms) is longer than totalTimeout (${callLimit} ms): raise totalTimeout or lower maxWait`,
    ]);
  }
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
