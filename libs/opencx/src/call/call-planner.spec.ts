import { jest } from '@jest/globals';
import { readCallOptions, resolveOpenCxOptions } from '../opencx-options.rules.js';
import { CallPlanner, limiterKeyOf } from './call-planner.js';

const options = resolveOpenCxOptions({ apiKey: 'sk_own', timeout: 4_000, totalTimeout: 20_000, maxRetries: 3 });
const trace = { cache: () => undefined, attempt: () => undefined };

describe('CallPlanner', () => {
  let shutdown: AbortController;
  let planner: CallPlanner;
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    shutdown = new AbortController();
    planner = new CallPlanner(options, shutdown.signal);
  });
  afterEach(() => jest.useRealTimers());

  const plan = (perCall: unknown) => planner.plan('authenticate-user', readCallOptions(perCall, 'sk_own'), trace);

  it("takes the module's settings, the registration's own limiter key and the shutdown signal by default", () => {
    const call = plan({});
    expect(call).toMatchObject({
      operation: 'authenticate-user',
      apiKey: 'sk_own',
      limiterKey: planner.ownLimiterKey,
      timeout: 4_000,
      maxRetries: 3,
      retryDelay: options.retryDelay,
      maxRetryDelay: options.maxRetryDelay,
      maxRetryAfter: options.maxRetryAfter,
      mode: 'use',
    });
    expect(planner.ownLimiterKey).toBe(limiterKeyOf('sk_own'));
    expect(call.signal).toBe(shutdown.signal);
    expect(call.deadline.left()).toBe(20_000);
    expect(call.trace).toBe(trace);
  });

  it("applies the call's overrides, hashing another key into its own limiter key", () => {
    const call = plan({ apiKey: 'sk_other', timeout: 1_000, totalTimeout: 5_000, maxRetries: 0, cache: 'refresh' });
    expect(call).toMatchObject({ apiKey: 'sk_other', limiterKey: limiterKeyOf('sk_other'), timeout: 1_000 });
    expect(call).toMatchObject({ maxRetries: 0, mode: 'refresh' });
    expect(call.deadline.left()).toBe(5_000);
  });

  it("keeps the registration's limiter key when the call names the registration's own key", () => {
    expect(plan({ apiKey: 'sk_own' }).limiterKey).toBe(planner.ownLimiterKey);
  });

  it("counts a registration with a rateLimit.group under the group's key", () => {
    const grouped = new CallPlanner(
      resolveOpenCxOptions({ apiKey: 'sk_own', rateLimit: { group: 'acme' } }),
      shutdown.signal,
    );
    expect(grouped.ownLimiterKey).toBe(limiterKeyOf('group:acme'));
  });

  it("ends the call on the caller's signal or at shutdown, whichever fires first", () => {
    const caller = new AbortController();
    const first = plan({ signal: caller.signal });
    const second = plan({ signal: new AbortController().signal });
    caller.abort();
    expect(first.signal.aborted).toBe(true);
    expect(second.signal.aborted).toBe(false);
    shutdown.abort();
    expect(second.signal.aborted).toBe(true);
  });
});
