import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OPENCX_DEFAULTS, type OpenCxModuleOptions, type ResolvedOpenCxOptions } from './opencx.options.js';

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

// The client's kind is checked where the Redis store is built (a bad one still stops start-up).
const redis = check((value) => {
  if (typeof value === 'string')
    return /^rediss?:\/\/\S+$/.test(value) ? undefined : 'must be a redis:// or rediss:// URL';
  return value !== null && typeof value === 'object' ? undefined : 'must be a redis:// or rediss:// URL, or a client';
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
