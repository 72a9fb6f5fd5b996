import { jest } from '@jest/globals';
import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import { resolveOpenCxOptions } from '../opencx.options.js';
import { planCall, type PlanContext } from './call-plan.js';

const options = resolveOpenCxOptions({ apiKey: 'sk_own', timeout: 4_000, totalTimeout: 20_000, maxRetries: 3 });

describe('planCall', () => {
  let shutdown: AbortController;
  let context: PlanContext;
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    shutdown = new AbortController();
    context = { ownLimiterKey: 'own-hash', limiterKeyOf: (key) => `hash-of-${key}`, shutdown: shutdown.signal };
  });
  afterEach(() => jest.useRealTimers());

  it.each([
    ['null', null],
    ['a string', 'fast'],
    ['a number', 1],
    ['an array', [{ timeout: 1 }]],
  ])('refuses %s as per-call options', (_label, perCall) => {
    expect(() => planCall(options, perCall, context)).toThrow(
      new OpenCxConfigurationError(['per-call options must be an object']),
    );
  });

  it("takes the module's settings, the registration's own limiter key and the shutdown signal by default", () => {
    const plan = planCall(options, {}, context);
    expect(plan).toMatchObject({
      apiKey: 'sk_own',
      limiterKey: 'own-hash',
      timeout: 4_000,
      maxRetries: 3,
      retryDelay: options.retryDelay,
      maxRetryDelay: options.maxRetryDelay,
      maxRetryAfter: options.maxRetryAfter,
      mode: 'use',
      operation: 'authenticate-user',
    });
    expect(plan.signal).toBe(shutdown.signal);
    expect(plan.deadline.left()).toBe(20_000);
  });

  it("applies the call's overrides, hashing another key into its own limiter key", () => {
    const plan = planCall(
      options,
      { apiKey: 'sk_other', timeout: 1_000, totalTimeout: 5_000, maxRetries: 0, cache: 'refresh' },
      context,
    );
    expect(plan).toMatchObject({ apiKey: 'sk_other', limiterKey: 'hash-of-sk_other', timeout: 1_000, maxRetries: 0 });
    expect(plan.mode).toBe('refresh');
    expect(plan.deadline.left()).toBe(5_000);
  });

  it("keeps the registration's limiter key when the call names the registration's own key", () => {
    expect(planCall(options, { apiKey: 'sk_own' }, context).limiterKey).toBe('own-hash');
  });

  it("ends the call on the caller's signal or at shutdown, whichever fires first", () => {
    const caller = new AbortController();
    const first = planCall(options, { signal: caller.signal }, context);
    const second = planCall(options, { signal: new AbortController().signal }, context);
    caller.abort();
    expect(first.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(false);
    shutdown.abort();
    expect(second.signal.aborted).toBe(true);
  });

  it('checks the overrides by the module rules, naming them per call', () => {
    expect(() => planCall(options, { timeout: 0 }, context)).toThrow(/per-call timeout/);
  });
});
