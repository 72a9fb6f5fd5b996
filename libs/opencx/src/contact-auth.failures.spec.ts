import { jest } from '@jest/globals';
import type { ContactAuthService } from './contact-auth.service.js';
import {
  OpenCxApiError,
  OpenCxConfigurationError,
  OpenCxError,
  OpenCxStoreError,
  OpenCxTimeoutError,
} from './errors/opencx.errors.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';
import type { OpenCxFleetStore, OpenCxReservation } from './store/opencx-fleet-store.interface.js';
import { HealthMonitor } from './health/health-monitor.js';
import { closedPort } from '../test/closed-port.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

// The service's own decisions around the steps it delegates: what it makes of a store or a
// health check that fails, of bad arguments, and what it reports of the fleet.

const API_KEY = 'sk_failures_canary_3';
const EMAIL = 'failures.canary@example.com';
const SECRET = 'store-detail-canary-7';

const METHODS = [
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
] as const;

/** A store in this process's memory, with some operations replaced, and `degraded` as given. */
function storeWith(
  overrides: Partial<Pick<OpenCxFleetStore, (typeof METHODS)[number]>> = {},
  degraded?: boolean,
): OpenCxFleetStore {
  const memory = new MemoryFleetStore();
  const entries = METHODS.map((method) => [method, overrides[method] ?? memory[method].bind(memory)]);
  return { ...Object.fromEntries(entries), ...(degraded === undefined ? {} : { degraded }) } as OpenCxFleetStore;
}

/** A contact id of the shape OpenCX issues (a UUID). */
const CONTACT_ID = '0b6f3c2e-8d4a-4e1f-a7b9-2c5d8e0f1a3b';

const failing = (): Promise<never> => Promise.reject(new TypeError(`${SECRET} ${API_KEY} ${EMAIL}`));

const never = (): Promise<never> => new Promise(() => undefined);
const noSlot = (): Promise<OpenCxReservation> => Promise.resolve({ granted: false, waitMs: 60_000 });
const pausedHalfAMinute = (): Promise<number> => Promise.resolve(30_000);

/** Per-call options whose `apiKey` getter throws, as a proxy or a badly built object can. */
const hostileOptions = (): { apiKey: string } => ({
  get apiKey(): string {
    throw new TypeError(`${SECRET} ${API_KEY}`);
  },
});

/** The error a promise rejects with. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('resolved');
    },
    (error: unknown) => error,
  );

describe('ContactAuthService around its steps', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5 });
  const boot = (options: Partial<OpenCxModuleOptions> = {}): Promise<ContactAuthService> => h.boot(options);
  afterEach(() => jest.restoreAllMocks());

  describe('authenticateUser', () => {
    it("turns a plain error from the application's store into an OpenCxError naming only its class", async () => {
      const service = await boot({ store: storeWith({ reserve: failing, claim: failing }) });
      const error = await rejection(service.authenticateUser({ email: EMAIL }));
      expect(error).toBeInstanceOf(OpenCxError);
      expect((error as Error).message).toBe('authenticateUser failed unexpectedly (TypeError)');
      expect((error as OpenCxError).getStatus()).toBe(500);
      expect(JSON.stringify((error as OpenCxError).getResponse())).toContain('Internal server error');
      expect(JSON.stringify(error) + String(error)).not.toMatch(new RegExp(`${SECRET}|${API_KEY}|${EMAIL}`));
    });
  });

  describe('evictContact', () => {
    it.each([
      ['options that are not an object', [EMAIL, null], 'options must be an object'],
      ['options that are a string', [EMAIL, 'sk_x'], 'options must be an object'],
      ['an empty email', ['', {}], 'email must be a non-empty string'],
      ['an email that is not a string', [42, {}], 'email must be a non-empty string'],
      [
        'a per-call key with a space',
        [EMAIL, { apiKey: 'sk bad' }],
        'apiKey must be a string of printable characters without spaces',
      ],
    ])('refuses %s, naming the problem', async (_label, args, problem) => {
      const service = await boot();
      const evict = service.evictContact.bind(service) as (...values: unknown[]) => Promise<void>;
      const error = await rejection(evict(...args));
      expect(error).toBeInstanceOf(OpenCxConfigurationError);
      expect((error as Error).message).toBe(`Invalid OpenCxModule options: evictContact: ${problem}`);
    });

    it('turns a throwing options getter into an OpenCxError naming the method and the class only', async () => {
      const service = await boot();
      const error = await rejection(service.evictContact(EMAIL, hostileOptions()));
      expect(error).toBeInstanceOf(OpenCxError);
      expect((error as Error).message).toBe('evictContact failed unexpectedly (TypeError)');
    });

    it('says so when the fleet store cannot be reached, naming only the error class', async () => {
      const service = await boot({ store: storeWith({ evict: failing }) });
      const error = await rejection(service.evictContact(EMAIL));
      expect(error).toBeInstanceOf(OpenCxStoreError);
      expect((error as Error).message).toBe('evictContact could not reach the fleet store (TypeError)');
    });
  });

  describe('deleteContact', () => {
    it('rejects with the upstream error other than 404, without the contact id', async () => {
      const service = await boot({ maxRetries: 0 });
      const contactId = '7731e0c4-5b1a-4d2e-9f3c-0a1b2c3d4e5f';
      h.fake.failNext(1, 500, { body: { statusCode: 500, message: `no contact ${contactId}`, error: contactId } });
      const error = await rejection(service.deleteContact(contactId));
      expect(error).toMatchObject({ upstreamStatus: 500, body: { statusCode: 500 } });
      expect(JSON.stringify((error as OpenCxApiError).body)).not.toContain(contactId);
      expect(
        JSON.stringify(error) + String(error) + JSON.stringify((error as OpenCxError).getResponse()),
      ).not.toContain(contactId);
    });

    it('turns a throwing options getter into an OpenCxConfigurationError naming the option only', async () => {
      const service = await boot();
      const error = await rejection(service.deleteContact(CONTACT_ID, hostileOptions()));
      expect(error).toBeInstanceOf(OpenCxConfigurationError);
      expect((error as Error).message).toBe('Invalid OpenCxModule options: per-call apiKey could not be read');
      expect(h.fake.requests).toHaveLength(0);
    });

    it("says so when the contact's tokens could not be evicted from the fleet store", async () => {
      const service = await boot({ store: storeWith({ evict: failing }) });
      const { contact } = await service.authenticateUser({ email: EMAIL });
      const error = await rejection(service.deleteContact(contact!.id));
      expect(error).toBeInstanceOf(OpenCxStoreError);
      expect((error as Error).message).toBe("deleteContact could not evict the contact's tokens (TypeError)");
    });

    it('ends by totalTimeout when the store never answers the eviction, with the timeout error', async () => {
      let evicting!: () => void;
      const evictAsked = new Promise<void>((resolve) => (evicting = resolve));
      const evict = (): Promise<never> => {
        evicting();
        return never();
      };
      const service = await boot({ store: storeWith({ evict }) });
      const { contact } = await service.authenticateUser({ email: EMAIL });
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        const deleting = rejection(service.deleteContact(contact!.id, { totalTimeout: 2_000 }));
        // OpenCX has answered the DELETE: the time left runs out on the eviction alone.
        await evictAsked;
        await jest.advanceTimersByTimeAsync(2_000);
        await expect(deleting).resolves.toBeInstanceOf(OpenCxTimeoutError);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('checkHealth', () => {
    it.each<[string, Partial<OpenCxModuleOptions>, string]>([
      ['no shared store', {}, 'local'],
      ['a store that does not say', { store: storeWith() }, 'shared'],
      ['a store that answers from Redis', { store: storeWith({}, false) }, 'shared'],
      ['a store that failed over to memory', { store: storeWith({}, true) }, 'degraded'],
    ])('with %s, says the fleet is %s', async (_label, options, fleet) => {
      const service = await boot(options);
      await expect(service.checkHealth()).resolves.toMatchObject({ fleet, status: 'up' });
    });

    it('reports up and rate limited, OpenCX not checked, while the limiter has no free slot for a probe', async () => {
      const service = await boot({ store: storeWith({ reserve: noSlot }) });
      await expect(service.checkHealth()).resolves.toMatchObject({
        status: 'up',
        rateLimited: true,
        reachable: false,
        apiKey: 'unverified',
        reason: 'not checked yet: the rate limit has no free slot for a probe',
        source: 'probe',
      });
      expect(h.fake.requests).toHaveLength(0);
    });

    it('reports down, naming only the error class, when the check itself fails', async () => {
      // Nothing the probe does throws; a defect in the monitor must still not escape.
      jest.spyOn(HealthMonitor.prototype, 'check').mockRejectedValue(new RangeError(`${SECRET} ${API_KEY}`));
      const service = await boot();
      const health = await service.checkHealth();
      expect(health).toMatchObject({
        status: 'down',
        reachable: false,
        apiKey: 'unverified',
        reason: 'health check failed (RangeError)',
        source: 'probe',
      });
      expect(Date.parse(health.checkedAt)).not.toBeNaN();
      expect(JSON.stringify(health)).not.toMatch(new RegExp(`${SECRET}|${API_KEY}`));
    });

    it('says a Redis fleet is degraded from the first check when Redis has never answered', async () => {
      const redis = { eval: failing, sendCommand: () => Promise.resolve(undefined) };
      const service = await boot({ redis, healthCheckInterval: 0 });
      const first = await service.checkHealth();
      const second = await service.checkHealth();
      expect([first.fleet, second.fleet]).toEqual(['degraded', 'degraded']);
    });

    it('decides the fleet after the check has touched the store, without a rate limit too', async () => {
      for (const rateLimit of [undefined, false] as const) {
        let touched = false;
        const memory = new MemoryFleetStore();
        const store = Object.defineProperty(
          storeWith({
            pausedFor: (key) => ((touched = true), memory.pausedFor(key)),
            reserve: (...args) => ((touched = true), memory.reserve(...args)),
          }),
          'degraded',
          { get: () => touched },
        );
        const service = await boot({ store, ...(rateLimit === false ? { rateLimit } : {}) });
        await expect(service.checkHealth()).resolves.toMatchObject({ fleet: 'degraded', status: 'up' });
      }
    });

    it("says degraded, never throwing, when a store's degraded getter throws", async () => {
      const store = Object.defineProperty(storeWith(), 'degraded', {
        get: (): boolean => {
          throw new TypeError(`${SECRET} ${API_KEY}`);
        },
      });
      const service = await boot({ store });
      const health = await service.checkHealth();
      expect(health).toMatchObject({ fleet: 'degraded', status: 'up' });
      expect(JSON.stringify(health)).not.toMatch(new RegExp(`${SECRET}|${API_KEY}`));
    });

    it('reports up and rate limited while an upstream 429 pauses the key, until when', async () => {
      const service = await boot({ store: storeWith({ pausedFor: pausedHalfAMinute }) });
      const before = Date.now();
      const health = await service.checkHealth();
      expect(health).toMatchObject({
        status: 'up',
        rateLimited: true,
        reason: `paused after an upstream 429 until ${health.pausedUntil}`,
      });
      const until = Date.parse(health.pausedUntil!);
      expect(until).toBeGreaterThanOrEqual(before + 30_000);
      expect(until).toBeLessThanOrEqual(Date.now() + 30_000);
    });

    it('reads a store that cannot say whether the key is paused as not paused, and as degraded', async () => {
      const service = await boot({ store: storeWith({ pausedFor: failing }) });
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', fleet: 'degraded' });
    });

    it('answers within `timeout` a store operation when the store stops answering: degraded, never hanging', async () => {
      jest.useFakeTimers({ now: 1_000_000 });
      try {
        let silent = false;
        const memory = new MemoryFleetStore();
        const store = storeWith({
          reserve: (...args) => (silent ? never() : memory.reserve(...args)),
          pausedFor: (key) => (silent ? never() : memory.pausedFor(key)),
        });
        const service = await boot({ store, timeout: 1_000, healthCheckInterval: 0, rateLimit: { perMinute: 1_000 } });
        await jest.advanceTimersByTimeAsync(0);
        silent = true;
        let answer: unknown;
        void service.checkHealth().then((health) => (answer = health));
        // The slot for the probe, then the pause: each given `timeout`.
        await jest.advanceTimersByTimeAsync(1_999);
        expect(answer).toBeUndefined();
        await jest.advanceTimersByTimeAsync(1);
        expect(answer).toMatchObject({
          fleet: 'degraded',
          status: 'down',
          reason: 'not checked yet: the fleet store did not answer for a probe slot',
        });
        expect(h.fake.requests).toHaveLength(0);
      } finally {
        jest.useRealTimers();
      }
    });

    it('tells the limiter how the probe ended: abandoned without an answer, ended with one', async () => {
      const outcomes: string[] = [];
      const memory = new MemoryFleetStore();
      const store = storeWith({
        release: (key, id, request, outcome) => {
          outcomes.push(outcome);
          return memory.release(key, id, request, outcome);
        },
      });
      const service = await boot({ store, healthCheckInterval: 0 });
      await service.checkHealth();
      // The body OpenCX refuses for want of an email: no contact is created.
      expect(h.fake.requests.map((request) => request.rawBody)).toEqual(['{}']);
      const refused = await boot({ store, healthCheckInterval: 0, baseUrl: `http://127.0.0.1:${await closedPort()}` });
      await refused.checkHealth();
      expect(outcomes).toEqual(['ended', 'abandoned']);
    });

    it('sends no probe once the application is shutting down', async () => {
      const service = await boot();
      await h.moduleRef.close();
      await service.checkHealth();
      expect(h.fake.requests).toHaveLength(0);
    });
  });
});
