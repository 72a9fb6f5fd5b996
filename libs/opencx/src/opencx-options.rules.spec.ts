import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { apiKeyProblem, readCallOptions, resolveOpenCxOptions } from './opencx-options.rules.js';
import { OPENCX_DEFAULTS } from './opencx.options.js';

const KEY = 'sk_live_options_canary_99';

/** The message of the OpenCxConfigurationError the options cause, or '' when they are accepted. */
function problemOf(options: unknown): string {
  try {
    resolveOpenCxOptions(options);
    return '';
  } catch (error) {
    return error instanceof OpenCxConfigurationError ? error.message : `unexpected ${String(error)}`;
  }
}

describe('resolveOpenCxOptions', () => {
  it('applies every default and strips a trailing slash from baseUrl', () => {
    expect(resolveOpenCxOptions({ apiKey: KEY })).toEqual({ apiKey: KEY, ...OPENCX_DEFAULTS });
    expect(resolveOpenCxOptions({ apiKey: KEY, baseUrl: 'http://localhost:8080/' }).baseUrl).toBe(
      'http://localhost:8080',
    );
    expect(OPENCX_DEFAULTS).toMatchObject({ baseUrl: 'https://api.open.cx', timeout: 10_000, maxRetries: 2 });
  });

  it('treats undefined options as unset', () => {
    expect(resolveOpenCxOptions({ apiKey: KEY, timeout: undefined }).timeout).toBe(10_000);
  });

  it.each([
    ['apiKey', {}],
    ['apiKey', { apiKey: '' }],
    ['apiKey', { apiKey: 'has space' }],
    ['apiKey', { apiKey: 'line\nbreak' }],
    ['apiKey', { apiKey: 42 }],
    ['baseUrl', { apiKey: KEY, baseUrl: 'ftp://api.open.cx' }],
    ['baseUrl', { apiKey: KEY, baseUrl: 'not a url' }],
    ['timeout', { apiKey: KEY, timeout: 0 }],
    ['timeout', { apiKey: KEY, timeout: 1.5 }],
    ['timeout', { apiKey: KEY, timeout: '1000ms' }],
    ['maxRetries', { apiKey: KEY, maxRetries: -1 }],
    ['maxRetries', { apiKey: KEY, maxRetries: 11 }],
    ['retryDelay', { apiKey: KEY, retryDelay: -5 }],
    ['maxRetryDelay', { apiKey: KEY, maxRetryDelay: 'x' }],
    ['maxRetryAfter', { apiKey: KEY, maxRetryAfter: -1 }],
    ['maxResponseBytes', { apiKey: KEY, maxResponseBytes: 10 }],
    ['apikey', { apiKey: KEY, apikey: KEY }],
    ['cache.ttl', { apiKey: KEY, cache: { ttl: 'one' } }],
    ['cache.store', { apiKey: KEY, cache: { store: {} } }],
    ['rateLimit.instances', { apiKey: KEY, rateLimit: { instances: 0 } }],
    ['rateLimit', { apiKey: KEY, rateLimit: true }],
    ['redis', { apiKey: KEY, redis: 'http://localhost:6379' }],
    ['redis', { apiKey: KEY, redis: null }],
    ['onAttempt', { apiKey: KEY, onAttempt: 'log' }],
    ['telemetry', { apiKey: KEY, telemetry: 'on' }],
    ['totalTimeout', { apiKey: KEY, totalTimeout: 0 }],
  ])('refuses a bad %s, naming it and never printing the key', (name, options) => {
    const message = problemOf(options);
    expect(message).toMatch(/^Invalid OpenCxModule options: /);
    expect(message).toContain(name);
    expect(message).not.toContain(KEY);
  });

  it('gives one message per option: "required" for a missing key, "must be a number" for a string that is not one', () => {
    expect(problemOf({ timeout: 'soon', cache: { ttl: '60s' } })).toBe(
      'Invalid OpenCxModule options: apiKey is required; timeout must be a number; cache.ttl must be a number',
    );
  });

  it('takes a number in a string, as the environment gives it, and uses it as a number', () => {
    const resolved = resolveOpenCxOptions({ apiKey: KEY, timeout: '2000', rateLimit: { perMinute: ' 50 ' } });
    expect([resolved.timeout, resolved.rateLimit && resolved.rateLimit.perMinute]).toEqual([2_000, 50]);
    expect(problemOf({ apiKey: KEY, maxRetries: '1.5' })).toContain('maxRetries must be an integer from 0 to 10');
  });

  it("lowers the default maxWait to the user's totalTimeout, saying so; refuses only the two set apart", () => {
    const notes: string[] = [];
    const resolved = resolveOpenCxOptions({ apiKey: KEY, totalTimeout: 2_000 }, (note) => notes.push(note));
    expect(resolved.rateLimit && resolved.rateLimit.maxWait).toBe(2_000);
    expect(notes).toHaveLength(1);
    expect(problemOf({ apiKey: KEY, totalTimeout: 2_000, rateLimit: { maxWait: 2_001 } })).toContain(
      'rateLimit.maxWait (2001 ms) is longer than totalTimeout (2000 ms)',
    );
  });

  it("reads an empty baseUrl as OpenCX's own", () => {
    expect(resolveOpenCxOptions({ apiKey: KEY, baseUrl: '' }).baseUrl).toBe('https://api.open.cx');
  });

  it('takes any object as a client: its kind is checked where the Redis store is built', () => {
    expect(problemOf({ apiKey: KEY, redis: { get: () => 1 } })).toBe('');
    expect(problemOf({ apiKey: KEY, redis: 6379 })).toBe(
      `Invalid OpenCxModule options: redis must be a redis:// or rediss:// URL, or a client`,
    );
  });

  it('accepts a connected node-redis client in place of a URL', () => {
    const client = { eval: () => Promise.resolve(null), sendCommand: () => Promise.resolve(null) };
    expect(resolveOpenCxOptions({ apiKey: KEY, redis: client }).redis).toBe(client);
  });

  it('refuses a missing options object', () => {
    expect(problemOf(undefined)).toContain('apiKey');
  });

  it('accepts the values at the edges of each range', () => {
    expect(() =>
      resolveOpenCxOptions({ apiKey: KEY, baseUrl: 'http://127.0.0.1:1', timeout: 1, maxRetries: 0, retryDelay: 0 }),
    ).not.toThrow();
    expect(() => resolveOpenCxOptions({ apiKey: KEY, timeout: 600_000, maxRetries: 10 })).not.toThrow();
  });
});

const PREFIX = 'Invalid OpenCxModule options: ';
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
const aStore = (without?: string): Record<string, () => Promise<void>> =>
  Object.fromEntries(STORE_METHODS.filter((m) => m !== without).map((m) => [m, () => Promise.resolve()]));

describe('the option rules, message by message', () => {
  it.each([
    [{ apiKey: '' }, 'apiKey is required'],
    [{ apiKey: 'sk_key ' }, 'apiKey must be a string of printable characters without spaces'],
    [{ apiKey: ' sk_key' }, 'apiKey must be a string of printable characters without spaces'],
    [{ apiKey: 'sk_kéy' }, 'apiKey must be a string of printable characters without spaces'],
    [{ apiKey: KEY, baseUrl: 'ftp://api.open.cx' }, 'baseUrl must be an http or https URL without credentials'],
    [{ apiKey: KEY, baseUrl: 'https://user@api.open.cx' }, 'baseUrl must be an http or https URL without credentials'],
    [{ apiKey: KEY, baseUrl: 'https://:pw@api.open.cx' }, 'baseUrl must be an http or https URL without credentials'],
    [{ apiKey: KEY, redis: 'redis://' }, 'redis must be a redis:// or rediss:// URL'],
    [{ apiKey: KEY, redis: 'redis://host name' }, 'redis must be a redis:// or rediss:// URL'],
    [{ apiKey: KEY, redis: ' redis://host' }, 'redis must be a redis:// or rediss:// URL'],
    [
      { apiKey: KEY, rateLimit: { group: '' } },
      'rateLimit.group must be 1 to 64 letters, digits, "_", ".", ":" or "-"',
    ],
    [
      { apiKey: KEY, rateLimit: { group: 'a b' } },
      'rateLimit.group must be 1 to 64 letters, digits, "_", ".", ":" or "-"',
    ],
    [
      { apiKey: KEY, rateLimit: { group: 'g'.repeat(65) } },
      'rateLimit.group must be 1 to 64 letters, digits, "_", ".", ":" or "-"',
    ],
    [{ apiKey: KEY, rateLimit: { group: 7 } }, 'rateLimit.group must be 1 to 64 letters, digits, "_", ".", ":" or "-"'],
    [
      { apiKey: KEY, store: aStore(), redis: 'redis://host' },
      'store and redis cannot both be set: redis is a shorthand for a RedisFleetStore',
    ],
    [{ apiKey: KEY, store: null }, `store must implement OpenCxFleetStore (missing: ${STORE_METHODS.join(', ')})`],
    [{ apiKey: KEY, onAttempt: {} }, 'onAttempt must be a function'],
    [{ apiKey: KEY, telemetry: 1 }, 'telemetry must be true or false'],
    [
      { apiKey: KEY, totalTimeout: 5_000, rateLimit: { maxWait: 5_001 } },
      'rateLimit.maxWait (5001 ms) is longer than totalTimeout (5000 ms): raise totalTimeout or lower maxWait',
    ],
    [
      { apiKey: KEY, totalTimeout: 9_999, rateLimit: { maxWait: 10_000 } },
      'rateLimit.maxWait (10000 ms) is longer than totalTimeout (9999 ms): raise totalTimeout or lower maxWait',
    ],
  ])('refuses %j: %s', (options, problem) => {
    expect(problemOf(options)).toBe(`${PREFIX}${problem}`);
  });

  it.each(STORE_METHODS)('names a store without %s', (method) => {
    expect(problemOf({ apiKey: KEY, store: aStore(method) })).toBe(
      `${PREFIX}store must implement OpenCxFleetStore (missing: ${method})`,
    );
  });

  it.each([
    [{ apiKey: KEY, redis: 'redis://127.0.0.1:6379' }],
    [{ apiKey: KEY, redis: 'rediss://cache.internal:6380/0' }],
    [{ apiKey: KEY, store: aStore() }],
    [{ apiKey: KEY, rateLimit: { group: 'eu-west_1.prod:a' } }],
    [{ apiKey: KEY, rateLimit: { group: 'g'.repeat(64) } }],
    [{ apiKey: KEY, totalTimeout: 5_000, rateLimit: { maxWait: 5_000 } }],
    // No limiter, no wait to bound.
    [{ apiKey: KEY, totalTimeout: 5_000, rateLimit: false }],
    [{ apiKey: '!~' }],
  ])('accepts %j', (options) => {
    expect(problemOf(options)).toBe('');
  });

  it('names an unknown option only when it cannot be an API key pasted in the wrong place', () => {
    expect(problemOf({ apiKey: KEY, [KEY]: 1 })).toBe(`${PREFIX}the options hold an option that does not exist`);
    expect(problemOf({ apiKey: KEY, [`x${KEY.slice(3, 12)}`]: 1 })).toBe(
      `${PREFIX}the options hold an option that does not exist`,
    );
    expect(problemOf({ apiKey: KEY, cache: { [KEY]: 1 } })).toBe(`${PREFIX}cache holds an option that does not exist`);
    expect(() => readCallOptions({ 'a b': 1 }, KEY)).toThrow(
      `${PREFIX}the per-call options hold an option that does not exist`,
    );
    expect(problemOf({ apiKey: KEY, retries: 1 })).toBe(`${PREFIX}retries is not an option`);
  });

  it('lists a dozen problems and counts the rest, however many options are wrong', () => {
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`option${i}`, i]));
    const message = problemOf({ apiKey: KEY, ...many });
    expect(message).toContain('option11 is not an option; and 488 more problems');
    expect(message.length).toBeLessThan(400);
  });

  it.each([
    ['null', null],
    ['a string', 'fast'],
    ['a number', 1],
    ['an array', [{ timeout: 1 }]],
  ])('refuses %s as per-call options', (_label, perCall) => {
    expect(() => readCallOptions(perCall, KEY)).toThrow(`${PREFIX}per-call options must be an object`);
  });

  it('reads each per-call option once, and a getter that throws as an option that could not be read', () => {
    let reads = 0;
    const options = readCallOptions(
      {
        get timeout(): number {
          reads++;
          return 1_000;
        },
      },
      KEY,
    );
    expect([options.timeout, reads]).toEqual([1_000, 1]);
    const hostile = {
      get apiKey(): string {
        throw new Error(KEY);
      },
    };
    expect(() => readCallOptions(hostile, KEY)).toThrow(`${PREFIX}per-call apiKey could not be read`);
  });

  it('says what is wrong with a key given to a call, or nothing', () => {
    expect(apiKeyProblem(undefined)).toBe('apiKey is required');
    expect(apiKeyProblem('')).toBe('apiKey is required');
    expect(apiKeyProblem('a b')).toBe('apiKey must be a string of printable characters without spaces');
    expect(apiKeyProblem(KEY)).toBeUndefined();
  });

  it('checks a call\'s options by the same rules, naming them "per-call"', () => {
    expect(() => readCallOptions({ timeout: 0 }, KEY)).toThrow(
      `${PREFIX}per-call timeout must be an integer from 1 to 600000`,
    );
    expect(() => readCallOptions({ signal: {} }, KEY)).toThrow(`${PREFIX}per-call signal must be an AbortSignal`);
    expect(() => readCallOptions({ cache: 'always' }, KEY)).toThrow(
      `${PREFIX}per-call cache must be 'use', 'refresh' or 'bypass'`,
    );
    expect(() => readCallOptions({ retries: 1 }, KEY)).toThrow(`${PREFIX}per-call retries is not an option`);
    expect(() =>
      readCallOptions(
        { signal: new AbortController().signal, cache: 'bypass', timeout: 1, extraFields: { a: 1 } },
        KEY,
      ),
    ).not.toThrow();
  });
});
