import { OpenCxConfigurationError } from './errors/opencx.errors.js';
import { OPENCX_DEFAULTS, resolveOpenCxOptions, type OpenCxModuleOptions } from './opencx.options.js';

const KEY = 'sk_live_options_canary_99';

/** The message of the OpenCxConfigurationError the options cause, or '' when they are accepted. */
function problemOf(options: unknown): string {
  try {
    resolveOpenCxOptions(options as OpenCxModuleOptions);
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
    ['timeout', { apiKey: KEY, timeout: '1000' }],
    ['maxRetries', { apiKey: KEY, maxRetries: -1 }],
    ['maxRetries', { apiKey: KEY, maxRetries: 11 }],
    ['retryDelay', { apiKey: KEY, retryDelay: -5 }],
    ['maxRetryDelay', { apiKey: KEY, maxRetryDelay: 'x' }],
    ['maxRetryAfter', { apiKey: KEY, maxRetryAfter: -1 }],
    ['maxResponseBytes', { apiKey: KEY, maxResponseBytes: 10 }],
    ['apikey', { apiKey: KEY, apikey: KEY }],
    ['cache.ttl', { apiKey: KEY, cache: { ttl: '1' } }],
    ['cache.store', { apiKey: KEY, cache: { store: {} } }],
    ['rateLimit.instances', { apiKey: KEY, rateLimit: { instances: 0 } }],
    ['rateLimit', { apiKey: KEY, rateLimit: true }],
    ['redis', { apiKey: KEY, redis: 'http://localhost:6379' }],
    ['redis', { apiKey: KEY, redis: {} }],
    ['onAttempt', { apiKey: KEY, onAttempt: 'log' }],
    ['telemetry', { apiKey: KEY, telemetry: 'on' }],
    ['totalTimeout', { apiKey: KEY, totalTimeout: 0 }],
  ])('refuses a bad %s, naming it and never printing the key', (name, options) => {
    const message = problemOf(options);
    expect(message).toMatch(/^Invalid OpenCxModule options: /);
    expect(message).toContain(name);
    expect(message).not.toContain(KEY);
  });

  it('gives one message per option: "required" for a missing key, "must be a number" for a string', () => {
    expect(problemOf({ timeout: '5000', cache: { ttl: '60' } })).toBe(
      'Invalid OpenCxModule options: apiKey is required; timeout must be a number; cache.ttl must be a number',
    );
  });

  it('refuses a client object of any other kind at start-up, naming the clients it takes', () => {
    expect(problemOf({ apiKey: KEY, redis: { eval: () => Promise.resolve(null) } })).toContain(
      'redis must be a redis:// URL or a connected node-redis, ioredis or iovalkey client',
    );
    expect(problemOf({ apiKey: KEY, redis: { get: () => 1 } })).toContain('redis must be');
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
