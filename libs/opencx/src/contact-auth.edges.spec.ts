import { jest } from '@jest/globals';
import type { OpenCxAttemptEvent } from './call/attempt-event.js';
import type { ContactAuthService } from './contact-auth.service.js';
import {
  OpenCxApiError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
} from './errors/opencx.errors.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';
import { closedPort } from '../test/closed-port.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

// Edges of a call that cross its steps: whose limits a shared flight runs by, what a slow store
// or a strange token does to an answer already received, what may be retried, and what may not.

const API_KEY = 'sk_edges_canary_5';
const EMAIL = 'edges.person@example.com';

/** A JWT-shaped token with these claims (the signature is not checked by the library). */
const tokenWith = (claims: object): string =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature`;

/** The index entries the library wrote, in order: [store key, value]. */
describe('ContactAuthService at the edges of a call', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 2 });
  const boot = (options: Partial<OpenCxModuleOptions> = {}): Promise<ContactAuthService> => h.boot(options);

  describe("a shared flight runs by every caller's limits", () => {
    it('keeps the answer for a follower allowed 5,000 ms when the leader allowed 150', async () => {
      const service = await boot({ cache: false, rateLimit: false });
      h.fake.delayNext(1, 400);
      const leader = service.authenticateUser({ email: EMAIL }, { totalTimeout: 150 }).catch((e: unknown) => e);
      const follower = service.authenticateUser({ email: EMAIL }, { totalTimeout: 5_000 });
      expect(await leader).toBeInstanceOf(OpenCxTimeoutError);
      await expect(follower).resolves.toHaveProperty('token');
      expect(h.fake.requests).toHaveLength(1);
    });

    it('retries for a follower allowed 2 retries when the leader allowed none', async () => {
      const service = await boot({ rateLimit: false });
      h.fake.failNext(1, 503);
      const leader = service.authenticateUser({ email: EMAIL }, { maxRetries: 0 }).catch((e: unknown) => e);
      const follower = service.authenticateUser({ email: EMAIL }, { maxRetries: 2 });
      await expect(follower).resolves.toHaveProperty('token');
      // The leader has its answer too: the flight retried for the follower, and the leader was still in it.
      expect(await leader).toHaveProperty('token');
    });
  });

  describe('a token already received', () => {
    it('is returned when the store keeps it slower than the deadline: the save is best effort', async () => {
      const memory = new MemoryFleetStore();
      const store: OpenCxFleetStore = Object.assign(Object.create(memory) as MemoryFleetStore, {
        save: () => new Promise<void>(() => undefined),
      });
      const service = await boot({ store, totalTimeout: 400, rateLimit: false });
      await expect(service.authenticateUser({ email: EMAIL })).resolves.toHaveProperty('token');
    });

    it("with an exp past the range of dates (1e13) is OpenCX's invalid answer, never a 500", async () => {
      const service = await boot({ maxRetries: 0 });
      h.fake.queue(1, {
        kind: 'respond',
        status: 200,
        body: { token: tokenWith({ exp: 1e13 }), contact: { id: 'c' } },
      });
      const error = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
      expect((error as OpenCxInvalidResponseError).getStatus()).toBe(502);
    });
  });

  describe('the contact-id note in a shared store', () => {
    it("cannot be redirected: after deleteContact(alice), alice's token is served no more", async () => {
      const store = new MemoryFleetStore();
      const note = jest.spyOn(store as OpenCxFleetStore, 'note');
      const service = await boot({ store, rateLimit: false });
      const alice = await service.authenticateUser({ email: 'alice@example.com' });
      await service.authenticateUser({ email: 'mallory@example.com' });
      const aliceNote = note.mock.calls[0]![0];
      const malloryKey = note.mock.calls[1]![1];
      // Whoever can write to the store points alice's note at mallory's token instead of hers.
      await store.evictNote(aliceNote);
      await store.note(aliceNote, malloryKey, 60_000, Number.POSITIVE_INFINITY);
      await service.deleteContact(alice.contact!.id);
      h.fake.reset();
      // Alice's token is served only while her note names it: the deletion removed the note.
      await service.authenticateUser({ email: 'alice@example.com' });
      expect(h.fake.authenticateRequests()).toHaveLength(1);
    });

    it('resolves deleteContact(alice) when her note was altered to hold what is no contact key, and serves her token no more', async () => {
      const store = new MemoryFleetStore();
      const note = jest.spyOn(store as OpenCxFleetStore, 'note');
      const service = await boot({ store, rateLimit: false });
      const alice = await service.authenticateUser({ email: 'alice@example.com' });
      await service.authenticateUser({ email: 'mallory@example.com' });
      const aliceNote = note.mock.calls[0]![0];
      // Whoever can write to the store adds a key that is no contact's to alice's note.
      await store.note(aliceNote, 'opencx:{mallory}:token', 60_000, Number.POSITIVE_INFINITY);
      await service.deleteContact(alice.contact!.id);
      h.fake.reset();
      await service.authenticateUser({ email: 'mallory@example.com' });
      expect(h.fake.requests).toHaveLength(0);
      await service.authenticateUser({ email: 'alice@example.com' });
      expect(h.fake.authenticateRequests()).toHaveLength(1);
    });
  });

  describe('retrying a POST OpenCX may have processed', () => {
    // Decisions are read from onAttempt: on a busy machine an attempt may time out before the fake
    // has even seen it, and the decision must be the same.
    const events: OpenCxAttemptEvent[] = [];
    const onAttempt = (event: OpenCxAttemptEvent): void => void events.push(event);
    beforeEach(() => (events.length = 0));

    it.each<[string, () => void]>([
      ['an attempt that timed out', () => h.fake.hangNext(3)],
      ['a connection lost mid-answer', () => h.fake.queue(3, { kind: 'reset-mid-response' })],
    ])('is off with retryPostAfterTimeout: false, after %s', async (_label, script) => {
      const service = await boot({
        timeout: 100,
        maxRetries: 2,
        retryPostAfterTimeout: false,
        cache: false,
        onAttempt,
      });
      script();
      const error = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
      expect([OpenCxTimeoutError, OpenCxConnectionError].some((type) => error instanceof type)).toBe(true);
      expect(events.map((event) => event.willRetry)).toEqual([false]);
      expect(h.fake.requests.length).toBeLessThanOrEqual(1);
    });

    it('still retries what never reached OpenCX (a refused connection), and an idempotent DELETE', async () => {
      const refused = await boot({
        baseUrl: `http://127.0.0.1:${await closedPort()}`,
        maxRetries: 1,
        retryPostAfterTimeout: false,
        onAttempt,
      });
      await expect(refused.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxConnectionError);
      expect(events.map((event) => [event.attempt, event.willRetry])).toEqual([
        [1, true],
        [2, false],
      ]);
      events.length = 0;
      const service = await boot({ timeout: 100, maxRetries: 1, retryPostAfterTimeout: false, onAttempt });
      h.fake.hangNext(2);
      await service.deleteContact('1c3e5a7b-9d0f-4b2a-8c4e-6f8a0b2c4d6e').catch(() => undefined);
      expect(events.map((event) => [event.operation, event.outcome, event.willRetry])).toEqual([
        ['delete-contact', 'timeout', true],
        ['delete-contact', 'timeout', false],
      ]);
    });

    it('retries by default (authenticate-user is assumed to be an upsert keyed by email)', async () => {
      const service = await boot({ timeout: 100, maxRetries: 1, cache: false, onAttempt });
      h.fake.hangNext(2);
      await service.authenticateUser({ email: EMAIL }).catch(() => undefined);
      expect(events.map((event) => [event.outcome, event.willRetry])).toEqual([
        ['timeout', true],
        ['timeout', false],
      ]);
    });
  });

  describe('health is changed only by what proves something about OpenCX', () => {
    it('stays up after a deleteContact of an unknown id (404)', async () => {
      const service = await boot({ healthCheckInterval: 60_000 });
      await service.authenticateUser({ email: EMAIL });
      await expect(service.deleteContact('5e0d2a4c-6b8f-4a1e-9c3d-7f9b1d3e5a7c')).resolves.toEqual({ deleted: false });
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted' });
    });

    it('stays up after a deleteContact answered 403 (a key without the contacts scope that still issues tokens)', async () => {
      const service = await boot({ healthCheckInterval: 60_000, cache: false });
      const { contact } = await service.authenticateUser({ email: EMAIL });
      h.fake.route('DELETE /contacts/{id}').failNext(1, 403);
      await expect(service.deleteContact(contact!.id)).rejects.toMatchObject({ name: 'OpenCxAuthenticationError' });
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted', httpStatus: 200 });
      // The key's own endpoint refusing it still does.
      h.fake.failNext(1, 403);
      await expect(service.authenticateUser({ email: EMAIL })).rejects.toMatchObject({
        name: 'OpenCxAuthenticationError',
      });
      await expect(service.checkHealth()).resolves.toMatchObject({
        status: 'down',
        apiKey: 'refused',
        httpStatus: 403,
      });
    });

    it('stays up after other answers to ordinary calls (400, 422, 500)', async () => {
      const service = await boot({ healthCheckInterval: 60_000, maxRetries: 0, cache: false });
      await service.authenticateUser({ email: EMAIL });
      for (const status of [400, 422, 500]) {
        h.fake.failNext(1, status);
        await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxApiError);
      }
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', source: 'traffic' });
    });
  });
});
