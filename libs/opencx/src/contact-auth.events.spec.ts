import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import type { ContactAuthService } from './contact-auth.service.js';
import { OpenCxApiError, OpenCxTimeoutError } from './errors/opencx.errors.js';
import type { OpenCxAttemptEvent } from './call/attempt-event.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import type { OpenCxFakeServer } from './testing/index.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

const API_KEY = 'sk_events_canary_77';
const EMAIL = 'observed.user@example.com';
const PHONE = '+447700900123';

describe('ContactAuthService onAttempt', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 2, cache: false, rateLimit: false });
  const boot = (options: Partial<OpenCxModuleOptions>): Promise<ContactAuthService> =>
    h.boot({ name: 'eu', ...options });
  let fake: OpenCxFakeServer;
  beforeEach(() => {
    fake = h.fake;
  });
  afterEach(() => jest.restoreAllMocks());

  it('reports every attempt with its status, duration and retry decision', async () => {
    const events: OpenCxAttemptEvent[] = [];
    const service = await boot({ onAttempt: (event) => void events.push(event) });
    fake.failNext(2, 503);

    await service.authenticateUser({ email: EMAIL, phone: PHONE });

    expect(events).toHaveLength(3);
    expect(events).toHaveLength(fake.authenticateRequests().length);
    expect(events.map((e) => [e.attempt, e.status, e.outcome, e.willRetry])).toEqual([
      [1, 503, 'http-error', true],
      [2, 503, 'http-error', true],
      [3, 200, 'success', false],
    ]);
    expect(events[0]).toMatchObject({ name: 'eu', operation: 'authenticate-user', error: 'OpenCxApiError' });
    expect(events[0]!.retryDelayMs).toBeGreaterThanOrEqual(0);
    expect(events[2]!.retryDelayMs).toBeUndefined();
    for (const event of events) expect(event.durationMs).toBeGreaterThan(0);
  });

  it('reports the last attempt of a failing call as not retried', async () => {
    const events: OpenCxAttemptEvent[] = [];
    const service = await boot({ maxRetries: 1, onAttempt: (event) => void events.push(event) });
    fake.failNext(2, 500);
    await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxApiError);
    expect(events.map((e) => [e.attempt, e.willRetry])).toEqual([
      [1, true],
      [2, false],
    ]);
  });

  it('reports attempts that got no answer, without a status', async () => {
    const events: OpenCxAttemptEvent[] = [];
    const service = await boot({ timeout: 50, maxRetries: 0, onAttempt: (event) => void events.push(event) });
    fake.hangNext(1);
    await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxTimeoutError);
    expect(events).toEqual([expect.objectContaining({ outcome: 'timeout', error: 'OpenCxTimeoutError' })]);
    expect(events[0]).not.toHaveProperty('status');
  });

  it('carries no personal data or secret', async () => {
    const events: OpenCxAttemptEvent[] = [];
    const service = await boot({ onAttempt: (event) => void events.push(event) });
    fake.failNext(1, 400, { body: { statusCode: 400, message: `bad ${EMAIL} ${PHONE}` } });
    await service.authenticateUser({ email: EMAIL, phone: PHONE }).catch(() => undefined);
    await service.authenticateUser({
      email: EMAIL,
      phone: PHONE,
      http_action_overrides: { headers: { 'x-secret': 'override-canary' } },
    });
    const text = JSON.stringify(events);
    expect(events).toHaveLength(2);
    for (const secret of [API_KEY, EMAIL, PHONE, 'override-canary']) expect(text).not.toContain(secret);
  });

  it('never lets a throwing or rejecting listener break the call', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    let calls = 0;
    const service = await boot({
      onAttempt: () => {
        calls++;
        if (calls === 1) throw new TypeError(`boom ${EMAIL}`);
        return Promise.reject(new RangeError('async boom'));
      },
    });
    await expect(service.authenticateUser({ email: EMAIL })).resolves.toHaveProperty('token');
    await expect(service.authenticateUser({ email: 'second@example.com' })).resolves.toHaveProperty('token');
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toBe(2);
    const logged = warn.mock.calls.map((args) => String(args[0]));
    expect(logged).toEqual([expect.stringContaining('TypeError'), expect.stringContaining('RangeError')]);
    expect(logged.join(' ')).not.toContain(EMAIL);
  });

  it('refuses an onAttempt that is not a function, naming the option', async () => {
    await expect(boot({ onAttempt: 'metrics' as never })).rejects.toThrow(/onAttempt must be a function/);
  });
});
