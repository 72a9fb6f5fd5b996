import { jest } from '@jest/globals';
import type { ContactAuthService } from './contact-auth.service.js';
import type { OpenCxAttemptEvent } from './call/attempt-event.js';
import {
  OpenCxAuthenticationError,
  OpenCxClientRateLimitError,
  OpenCxRateLimitError,
  OpenCxTimeoutError,
} from './errors/opencx.errors.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import type { OpenCxFakeServer } from './testing/index.js';
import { REAL_TIMERS_ONLY_CLOCKS_FAKE } from '../test/fake-clocks.js';
import { closedPort } from '../test/closed-port.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

const API_KEY = 'sk_health_canary_5';

describe('ContactAuthService.checkHealth', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, cache: false });
  const boot = (options: Partial<OpenCxModuleOptions> = {}): Promise<ContactAuthService> => h.boot(options);
  let fake: OpenCxFakeServer;
  beforeEach(() => {
    fake = h.fake;
  });

  it('probes with a body OpenCX refuses (no contact created): reachable, the key unverified by a 400', async () => {
    const service = await boot();
    const health = await service.checkHealth();
    expect(health).toMatchObject({ status: 'up', reachable: true, apiKey: 'unverified', httpStatus: 400 });
    expect(health).not.toHaveProperty('apiKeyAccepted');
    expect(health.source).toBe('probe');
    expect(Date.parse(health.checkedAt)).not.toBeNaN();
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.body).toEqual({});
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('reports a refused key as down, without the key in the result', async () => {
    const service = await boot({ apiKey: 'sk_wrong_canary_9' });
    const health = await service.checkHealth();
    expect(health).toMatchObject({
      status: 'down',
      reachable: true,
      apiKey: 'refused',
      apiKeyAccepted: false,
      httpStatus: 401,
    });
    expect(JSON.stringify(health)).not.toContain('sk_wrong_canary_9');
  });

  it('reports a 403 as a key without the scope for this endpoint', async () => {
    await h.restartFake({ apiKey: API_KEY, forbidden: true });
    const service = await boot();
    await expect(service.checkHealth()).resolves.toMatchObject({
      status: 'down',
      apiKey: 'refused',
      httpStatus: 403,
      reason: 'API key lacks the scope for this endpoint (403)',
    });
    await h.restartFake({ apiKey: API_KEY });
  });

  it.each([
    ['DELETE /contacts/{id}', 'delete'],
    ['GET /contacts', 'list'],
  ] as const)(
    'leaves health as authenticate-user proved it after a 403 of %s (a key without the contacts scope)',
    async (route, call) => {
      const service = await boot({ retryDelay: 1, maxRetryDelay: 5 });
      const { contact } = await service.authenticateUser({ email: 'scoped.canary@example.com' });
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted' });
      fake.route(route).failNext(1, 403);
      const attempt = call === 'delete' ? service.deleteContact(contact!.id) : service.listContactsPage({});
      await expect(attempt).rejects.toBeInstanceOf(OpenCxAuthenticationError);
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted', httpStatus: 200 });
      // No probe was sent: the verdict is still the sign-in's.
      expect(fake.requests).toHaveLength(2);
    },
  );

  it('says the key is accepted only after a real 2xx', async () => {
    const service = await boot();
    await service.authenticateUser({ email: 'proof@example.com' });
    await expect(service.checkHealth()).resolves.toMatchObject({ apiKey: 'accepted', apiKeyAccepted: true });
  });

  it('never lets public readiness hits spend more than a small share of the quota', async () => {
    const service = await boot({ healthCheckInterval: 0, rateLimit: { perMinute: 100 } });
    for (let i = 0; i < 105; i++) await service.checkHealth();
    expect(fake.requests).toHaveLength(1);
  });

  it('spaces probes by a twentieth of the quota: 12 s at 100 a minute, 6 s at 200', async () => {
    // Only the clocks move: sockets and timers stay real.
    jest.useFakeTimers({ now: 1_000_000, doNotFake: REAL_TIMERS_ONLY_CLOCKS_FAKE });
    try {
      for (const [perMinute, spacing] of [
        [100, 12_000],
        [200, 6_000],
      ] as const) {
        fake.reset();
        const service = await boot({ healthCheckInterval: 0, rateLimit: { perMinute } });
        await service.checkHealth();
        jest.advanceTimersByTime(spacing - 1);
        await service.checkHealth();
        expect(fake.requests).toHaveLength(1);
        jest.advanceTimersByTime(1);
        await service.checkHealth();
        expect(fake.requests).toHaveLength(2);
      }
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports an unreachable OpenCX as down', async () => {
    const service = await boot({ baseUrl: `http://127.0.0.1:${await closedPort()}`, rateLimit: false });
    await expect(service.checkHealth()).resolves.toMatchObject({ status: 'down', reachable: false });
  });

  it('spends at most one probe per interval, shared by concurrent checks', async () => {
    const service = await boot();
    await Promise.all([service.checkHealth(), service.checkHealth(), service.checkHealth()]);
    await service.checkHealth();
    expect(fake.requests).toHaveLength(1);
  });

  it('answers from recent real traffic instead of probing', async () => {
    const service = await boot();
    await service.authenticateUser({ email: 'traffic@example.com' });
    const health = await service.checkHealth();
    expect(health).toMatchObject({ status: 'up', source: 'traffic', httpStatus: 200 });
    expect(fake.requests).toHaveLength(1);
  });

  it('ignores calls made with another organisation’s key', async () => {
    const service = await boot();
    fake.failNext(1, 401);
    await service.authenticateUser({ email: 'tenant@example.com' }, { apiKey: 'sk_other_tenant' }).catch(() => 0);
    await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', source: 'probe' });
    expect(fake.requests).toHaveLength(2);
  });

  it('probes again once the interval has passed', async () => {
    const service = await boot({ healthCheckInterval: 0, rateLimit: false });
    await service.checkHealth();
    await service.checkHealth();
    expect(fake.requests).toHaveLength(2);
  });

  it('does not probe while the client-side limit has no slot, answering from the last exchange', async () => {
    const service = await boot({ rateLimit: { perMinute: 1, maxWait: 0 }, healthCheckInterval: 0 });
    await service.authenticateUser({ email: 'only-slot@example.com' });
    await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', source: 'traffic' });
    expect(fake.requests).toHaveLength(1);
  });

  it('reports the probe to onAttempt as a health-check operation', async () => {
    const events: OpenCxAttemptEvent[] = [];
    const service = await boot({ onAttempt: (event) => void events.push(event) });
    await service.checkHealth();
    expect(events).toEqual([
      expect.objectContaining({ operation: 'health-check', attempt: 1, status: 400, willRetry: false }),
    ]);
    expect(fake.requests).toHaveLength(1);
  });

  describe('while rate limiting holds calls back (normal operation: up)', () => {
    // Only the clocks move: sockets and timers stay real.
    beforeEach(() => jest.useFakeTimers({ now: 1_000_000, doNotFake: REAL_TIMERS_ONLY_CLOCKS_FAKE }));
    afterEach(() => jest.useRealTimers());

    it.each<[string, Partial<OpenCxModuleOptions>]>([
      ['a probe due, with no slot for it', { healthCheckInterval: 100, rateLimit: { maxWait: 0, window: 2_000 } }],
      ['the time-out still fresh (default interval and window)', { rateLimit: { maxWait: 0 } }],
    ])(
      'is up, reachable and rate limited through an upstream 429 pause that follows a time-out: %s',
      async (_label, options) => {
        const service = await boot({ maxRetries: 0, timeout: 200, ...options });
        fake.delayNext(1, 400);
        await expect(service.authenticateUser({ email: 'slow@example.com' })).rejects.toBeInstanceOf(
          OpenCxTimeoutError,
        );
        fake.failNext(1, 429, { retryAfter: 30 });
        await expect(service.authenticateUser({ email: 'limited@example.com' })).rejects.toBeInstanceOf(
          OpenCxRateLimitError,
        );
        // Past healthCheckInterval and the probe spacing (window / 20) of the first case.
        jest.advanceTimersByTime(300);
        const health = await service.checkHealth();
        expect(health).toMatchObject({ status: 'up', reachable: true, httpStatus: 429, rateLimited: true });
        expect(Date.parse(health.pausedUntil!)).toBe(Date.now() + 29_700);
      },
    );

    it('says rateLimited while the client-side limit refuses calls, answering from recent traffic', async () => {
      const service = await boot({ rateLimit: { perMinute: 2, maxWait: 0 } });
      await service.authenticateUser({ email: 'a@example.com' });
      await service.authenticateUser({ email: 'b@example.com' });
      await expect(service.authenticateUser({ email: 'c@example.com' })).rejects.toBeInstanceOf(
        OpenCxClientRateLimitError,
      );
      await expect(service.checkHealth()).resolves.toMatchObject({
        status: 'up',
        source: 'traffic',
        rateLimited: true,
      });
      // The refusal's slot comes a window (and its margin) after the first send: then it is over.
      jest.advanceTimersByTime(61_000);
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', rateLimited: false });
    });

    it('is up and rate limited, until its Retry-After, when a probe is answered 503 with Retry-After (shedding load)', async () => {
      const service = await boot();
      fake.failNext(1, 503, { retryAfter: 5 });
      const health = await service.checkHealth();
      expect(health).toMatchObject({
        status: 'up',
        reachable: true,
        httpStatus: 503,
        rateLimited: true,
        reason: 'OpenCX is shedding load (503)',
        pausedUntil: new Date(Date.now() + 5_000).toISOString(),
      });
      // Answered from memory after the wait it asked for: still up, no longer paused.
      jest.advanceTimersByTime(5_000);
      const later = await service.checkHealth();
      expect(later).toMatchObject({ status: 'up', httpStatus: 503, rateLimited: true });
      expect(later).not.toHaveProperty('pausedUntil');
    });
  });

  it('is down when a probe is answered 503 without Retry-After (a server error)', async () => {
    const service = await boot();
    fake.failNext(1, 503);
    await expect(service.checkHealth()).resolves.toMatchObject({
      status: 'down',
      reachable: true,
      httpStatus: 503,
      rateLimited: false,
    });
  });

  it('resends the probe once after a stale kept-alive socket, as any request, and stays up', async () => {
    const service = await boot({ maxRetries: 0, healthCheckInterval: 0, rateLimit: false });
    // A first probe leaves a kept-alive socket, which the upstream then drops.
    await service.checkHealth();
    fake.dropNext(1);
    await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', reachable: true, httpStatus: 400 });
    // The first probe, the one dropped on its socket, and the resend on a new one.
    const ports = fake.requests.map((request) => request.remotePort);
    expect(ports).toHaveLength(3);
    expect([ports[1], ports[2] === ports[0]]).toEqual([ports[0], false]);
  });
});
