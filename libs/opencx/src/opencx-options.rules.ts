import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import type { OpenCxRequestOptions } from './interfaces/request-options.interface.js';
import {
  copyOnce,
  isRecord,
  refused,
  unknownOptionName,
  type OptionsCopy,
  type OptionsPlace,
} from './opencx-options.reader.js';
import { OPENCX_DEFAULTS, type ResolvedOpenCxOptions } from './opencx.options.js';
import { integerOption } from './util/integer-option.js';

/** One check of a set of options: the problems found so far, and the API keys no message may show. */
interface Check {
  problems: string[];
  apiKeys: readonly unknown[];
}

/**
 * One option's rule: the value to use for a value that is set (never undefined), after noting its
 * problems in `check`, each naming the option by `name` and never printing the value.
 */
type Rule = (value: unknown, name: string, check: Check) => unknown;
type Rules = Readonly<Record<string, Rule>>;

const DAY = 86_400_000;

/**
 * An integer from `min` to `max`, or the same in a numeric string ("2000", from the environment):
 * "must be a number" for anything else, else the range.
 */
const integer =
  (min: number, max: number): Rule =>
  (given, name, { problems }) => {
    const { value, problem } = integerOption(given, min, max);
    if (problem !== undefined) problems.push(`${name} ${problem}`);
    return value;
  };

/** A rule from a check that says what is wrong, or undefined. */
const check =
  (problem: (value: unknown) => string | undefined): Rule =>
  (value, name, { problems }) => {
    const found = problem(value);
    if (found !== undefined) problems.push(`${name} ${found}`);
    return value;
  };

// A key is sent in a header: a non-empty token with no whitespace or control character.
const API_KEY = /^[\x21-\x7e]+$/;

const apiKeyCheck = (value: unknown): string | undefined => {
  if (value === '') return 'is required';
  return typeof value === 'string' && API_KEY.test(value)
    ? undefined
    : 'must be a string of printable characters without spaces';
};
const apiKey = check(apiKeyCheck);

const baseUrlCheck = check((value) => {
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  return url && (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password
    ? undefined
    : 'must be an http or https URL without credentials';
});
// An empty one (`OPENCX_BASE_URL=` in a .env file) means the default, as unset does.
const baseUrl: Rule = (value, name, state) => (value === '' ? undefined : baseUrlCheck(value, name, state));

// The client's kind is checked where the Redis store is built (a bad one still stops start-up).
const redis = check((value) => {
  if (typeof value === 'string')
    return /^rediss?:\/\/\S+$/.test(value) ? undefined : 'must be a redis:// or rediss:// URL';
  return value !== null && typeof value === 'object' ? undefined : 'must be a redis:// or rediss:// URL, or a client';
});

const STORE_METHODS = [
  'lookup',
  'save',
  'unlock',
  'evict',
  'note',
  'noted',
  'evictNote',
  'reserve',
  'claim',
  'release',
  'pause',
  'pausedFor',
];

const store = check((value) => {
  const missing = STORE_METHODS.filter(
    (method) => typeof (value as Record<string, unknown> | null)?.[method] !== 'function',
  );
  return missing.length === 0 ? undefined : `must implement OpenCxFleetStore (missing: ${missing.join(', ')})`;
});

const fn = check((value) => (typeof value === 'function' ? undefined : 'must be a function'));
const flag = check((value) => (typeof value === 'boolean' ? undefined : 'must be true or false'));

// The options a call may override, with the same rule in both tables.
const timeout = integer(1, 600_000);
const totalTimeout = integer(1, 3_600_000);
const maxRetries = integer(0, 10);

/** What holds an option whose name is not shown, by the prefix of the names it holds. */
const holderOf = (prefix: string): string =>
  prefix === ''
    ? 'the options hold'
    : prefix === 'per-call '
      ? 'the per-call options hold'
      : `${prefix.slice(0, -1)} holds`;

/** `record`'s set options, each checked by its rule; an option without a rule is not an option. */
function checked(record: OptionsCopy, rules: Rules, prefix: string, state: Check): OptionsCopy {
  const values: OptionsCopy = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const rule = rules[key];
    if (!rule) {
      const name = unknownOptionName(key, state.apiKeys, OPTION_NAMES);
      state.problems.push(
        name ? `${prefix}${name} is not an option` : `${holderOf(prefix)} an option that does not exist`,
      );
      continue;
    }
    try {
      const used = rule(value, `${prefix}${key}`, state);
      if (used !== undefined) values[key] = used;
    } catch {
      // A store or a signal whose own getters throw: said, never what they threw.
      state.problems.push(`${prefix}${key} could not be read`);
    }
  }
  return values;
}

/** A group of options (`cache`, `rateLimit`): `false`, or an object checked by its own rules. */
const section =
  (rules: Rules): Rule =>
  (value, name, state) => {
    if (value === false) return false;
    if (!isRecord(value)) {
      state.problems.push(`${name} must be false or an object`);
      return value;
    }
    return checked(value as OptionsCopy, rules, `${name}.`, state);
  };

const CACHE_RULES: Rules = { ttl: integer(0, DAY), skew: integer(0, DAY), maxEntries: integer(1, 10_000_000) };
const RATE_LIMIT_RULES: Rules = {
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
};

/** The rules of the module's options, and (a subset) of a call's: one table, so the two cannot differ. */
const MODULE_RULES: Rules = {
  apiKey,
  baseUrl,
  timeout,
  totalTimeout,
  maxRetries,
  retryPostAfterTimeout: flag,
  retryDelay: integer(0, DAY),
  maxRetryDelay: integer(0, DAY),
  maxRetryAfter: integer(0, DAY),
  maxResponseBytes: integer(1024, 1_073_741_824),
  cache: section(CACHE_RULES),
  rateLimit: section(RATE_LIMIT_RULES),
  redis,
  store,
  redisTimeout: integer(1, 60_000),
  healthCheckInterval: integer(0, DAY),
  onAttempt: fn,
  telemetry: flag,
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
  extraFields: (value) => value,
};

const EXTRAS = ['isGlobal', 'name', 'exceptionFilter', 'extraProviders'];
/** Every name the options have, at any level: an unknown name close to one is a typo, and said. */
const OPTION_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(MODULE_RULES),
  ...Object.keys(CACHE_RULES),
  ...Object.keys(RATE_LIMIT_RULES),
  ...Object.keys(CALL_RULES),
  ...EXTRAS,
]);
const MODULE_PLACE: OptionsPlace = {
  prefix: '',
  label: 'options',
  known: new Set([...Object.keys(MODULE_RULES), ...EXTRAS]),
};
const SECTIONS: ReadonlyArray<[string, Rules]> = [
  ['cache', CACHE_RULES],
  ['rateLimit', RATE_LIMIT_RULES],
];
const CALL_PLACE: OptionsPlace = {
  prefix: 'per-call ',
  label: 'per-call options',
  known: new Set(Object.keys(CALL_RULES)),
};

/** A call's options when it sets none. */
const NO_CALL_OPTIONS: OpenCxRequestOptions = Object.freeze({});

/** Why an API key is unusable (missing included), or undefined. */
export function apiKeyProblem(value: unknown): string | undefined {
  if (value === undefined) return 'apiKey is required';
  const problem = apiKeyCheck(value);
  return problem === undefined ? undefined : `apiKey ${problem}`;
}

/**
 * The module's options (or `forRoot`'s, extras included), read once: a plain copy of the object and
 * of its `cache` and `rateLimit` groups; other values (a store, a client) are kept as given.
 */
export function readModuleOptions(options: unknown): OptionsCopy {
  if (!isRecord(options)) throw new OpenCxConfigurationError(['options must be an object with at least apiKey']);
  const copy = copyOnce(options, MODULE_PLACE);
  for (const [name, rules] of SECTIONS) {
    const group = copy[name];
    if (isRecord(group))
      copy[name] = copyOnce(group, { prefix: `${name}.`, label: name, known: new Set(Object.keys(rules)) });
  }
  return copy;
}

/**
 * A call's options, read once and checked by the module's rules (each problem named "per-call
 * ..."), or OpenCxConfigurationError naming every bad one.
 */
export function readCallOptions(perCall: unknown, moduleApiKey: string): OpenCxRequestOptions {
  if (!isRecord(perCall)) throw new OpenCxConfigurationError(['per-call options must be an object']);
  const copy = copyOnce(perCall, CALL_PLACE);
  // Most calls set none: nothing to check, and nothing to copy again.
  if (Object.keys(copy).length === 0) return NO_CALL_OPTIONS;
  const problems: string[] = [];
  const values = checked(copy, CALL_RULES, 'per-call ', { problems, apiKeys: [moduleApiKey, copy.apiKey] });
  if (problems.length > 0) throw refused(problems);
  return values;
}

/**
 * The module's options read once, checked in one pass that reports every problem (one line per
 * option), and completed with the defaults. Unknown options are errors too, so a typo such as
 * `apikey` fails start-up instead of silently using a default. `note` hears of a default adapted to
 * what the user set (said at debug level).
 */
export function resolveOpenCxOptions(
  raw: unknown,
  note: (message: string) => void = () => undefined,
): ResolvedOpenCxOptions {
  const options = readModuleOptions(raw);
  const problems: string[] = [];
  if (options.apiKey === undefined) problems.push('apiKey is required');
  const set = checked(options, MODULE_RULES, '', { problems, apiKeys: [options.apiKey] });
  if (set.store !== undefined && set.redis !== undefined) {
    problems.push('store and redis cannot both be set: redis is a shorthand for a RedisFleetStore');
  }
  if (problems.length > 0) throw refused(problems);
  const { cache: defaultCache, rateLimit: defaultRateLimit, ...flatDefaults } = OPENCX_DEFAULTS;
  const rateLimitSet = set.rateLimit as Record<string, unknown> | false | undefined;
  const resolved = {
    ...flatDefaults,
    ...set,
    baseUrl: ((set.baseUrl as string | undefined) ?? flatDefaults.baseUrl).replace(/\/+$/, ''),
    cache: set.cache === false ? false : { ...defaultCache, ...(set.cache as object | undefined) },
    rateLimit: rateLimitSet === false ? false : { ...defaultRateLimit, ...rateLimitSet },
  } as ResolvedOpenCxOptions;
  const { rateLimit, totalTimeout: callLimit } = resolved;
  if (rateLimit && rateLimit.maxWait > callLimit) {
    // The wait is part of the call: a slot further away than totalTimeout could never be used.
    if (rateLimitSet && rateLimitSet.maxWait !== undefined) {
      throw new OpenCxConfigurationError([
        `rateLimit.maxWait (${rateLimit.maxWait} ms) is longer than totalTimeout (${callLimit} ms): raise totalTimeout or lower maxWait`,
      ]);
    }
    // Only the default stands in the way of the user's totalTimeout: it gives.
    note(
      `rateLimit.maxWait lowered from ${rateLimit.maxWait} ms to totalTimeout (${callLimit} ms): a slot further away could never be used`,
    );
    rateLimit.maxWait = callLimit;
  }
  return resolved;
}
