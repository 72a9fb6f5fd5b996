import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import {
  OpenCxApiError,
  OpenCxClientRateLimitError,
  OpenCxStoreError,
  OpenCxTimeoutError,
  OpenCxValidationError,
} from './errors/opencx.errors.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

const API_KEY = 'sk_update_canary_8e2a';
const OTHER_KEY = 'sk_update_other_org_41c7';
const EMAIL = 'update.canary@example.com';
const NEW_EMAIL = 'renamed.canary@example.com';
const ACCENTED = 'Éléonore Bénédicte Hélène';

/** The error a promise rejects with. */
const rejection = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error('resolved');
    },
    (error: unknown) => error,
  );

describe('ContactAuthService.updateContact against the fake OpenCX server', () => {
  // The fake takes any key: each one is an organisation of its own.
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, rateLimit: false }, {});

  it("PATCHes OpenCX's { contact } with exactly the fields set, and resolves once OpenCX took them", async () => {
    const service = await h.boot();
    const { contact } = await service.authenticateUser({ email: EMAIL, name: 'Before' });
    const changes = { name: 'After', phone: '+44 20 7946 0958', custom_data: { plan: 'pro', seats: 3 } };
    await expect(service.updateContact(contact!.id, changes)).resolves.toBeUndefined();
    const sent = h.fake.requests.at(-1)!;
    expect([sent.method, sent.path, sent.headers.authorization, sent.headers['content-type']]).toEqual([
      'PATCH',
      `/contacts/${contact!.id}`,
      `Bearer ${API_KEY}`,
      'application/json',
    ]);
    expect(JSON.parse(sent.rawBody)).toEqual({ contact: changes });
    expect(h.fake.contacts(API_KEY)).toEqual([
      expect.objectContaining({ id: contact!.id, email: EMAIL, name: 'After', custom_data: changes.custom_data }),
    ]);
  });

  it.each<[string, unknown, string]>([
    ['no field', {}, '(body)'],
    ['only undefined fields', { name: undefined }, '(body)'],
    ['a null name', { name: null }, 'name'],
    ['a bad email', { email: 'nope' }, 'email'],
    ['a phone of two digits', { phone: '+12' }, 'phone'],
    ["authenticate-user's customData", { customData: { a: 1 } }, 'customData'],
    ['custom_data that is not an object', { custom_data: 'x' }, 'custom_data'],
    ['custom_data holding a constructor key', { custom_data: { constructor: 'x' } }, 'custom_data'],
    ['custom_data past its bound', { custom_data: { big: 'x'.repeat(20_000) } }, 'custom_data'],
    ['a field OpenCX does not take here', { language: 'fr' }, 'language'],
    ['changes that are not an object', 'name', '(body)'],
    ['null changes', null, '(body)'],
  ])('refuses %s, naming the field, and sends nothing', async (_label, changes, field) => {
    const service = await h.boot();
    const error = await rejection(service.updateContact(randomUUID(), changes as never));
    expect(error).toBeInstanceOf(OpenCxValidationError);
    expect((error as OpenCxValidationError).errors.map((e) => e.field)).toContain(field);
    expect(h.fake.requests).toHaveLength(0);
  });

  it.each(['.', '..', 'a/..', '%2e%2e', ''])('refuses the contact id %j, sending nothing', async (contactId) => {
    const service = await h.boot();
    const error = await rejection(service.updateContact(contactId, { name: 'x' }));
    expect((error as OpenCxValidationError).errors).toEqual([
      { field: 'contactId', messages: ['contactId must be a contact id (a UUID, as OpenCX issues them)'] },
    ]);
    expect(h.fake.requests).toHaveLength(0);
  });

  it('reads each field of the changes once, and sends what it validated', async () => {
    const service = await h.boot();
    const { contact } = await service.authenticateUser({ email: EMAIL });
    let reads = 0;
    const changes = {
      get name(): string {
        reads += 1;
        return reads === 1 ? 'Valid' : (null as unknown as string);
      },
    };
    await service.updateContact(contact!.id, changes);
    expect(reads).toBe(1);
    expect(JSON.parse(h.fake.requests.at(-1)!.rawBody)).toEqual({ contact: { name: 'Valid' } });
  });

  describe("the contact's cached tokens", () => {
    it('are evicted: the same sign-in afterwards asks OpenCX again', async () => {
      const service = await h.boot();
      const { contact } = await service.authenticateUser({ email: EMAIL });
      await service.authenticateUser({ email: EMAIL });
      expect(h.fake.authenticateRequests()).toHaveLength(1);
      await service.updateContact(contact!.id, { name: 'New name' });
      await service.authenticateUser({ email: EMAIL });
      expect(h.fake.authenticateRequests()).toHaveLength(2);
    });

    it("after an email change, the old email's sign-in never gets the contact's token", async () => {
      const service = await h.boot();
      const first = await service.authenticateUser({ email: EMAIL });
      await service.updateContact(first.contact!.id, { email: NEW_EMAIL });
      // Someone now signs in with the old email: a contact of their own, not the renamed one's token.
      const next = await service.authenticateUser({ email: EMAIL });
      expect(next.contact!.id).not.toBe(first.contact!.id);
      expect(next.token).not.toBe(first.token);
    });

    it("after an email change, the new email's old entry (another contact's) is evicted too", async () => {
      const service = await h.boot();
      const gone = await service.authenticateUser({ email: NEW_EMAIL });
      // That contact is deleted behind the library's back: its token stays cached here.
      const deleted = await fetch(`${h.fake.url}/contacts/${gone.contact!.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(deleted.status).toBe(200);
      const { contact } = await service.authenticateUser({ email: EMAIL });
      await service.updateContact(contact!.id, { email: NEW_EMAIL });
      const renamed = await service.authenticateUser({ email: NEW_EMAIL });
      expect(renamed.contact!.id).toBe(contact!.id);
      expect(h.fake.tokenAccepted(renamed.token)).toBe(true);
    });

    it('are evicted even when OpenCX may have taken a change it did not confirm (a time-out)', async () => {
      const service = await h.boot({ timeout: 100, maxRetries: 0 });
      const { contact } = await service.authenticateUser({ email: EMAIL });
      h.fake.hangNext(1);
      await expect(service.updateContact(contact!.id, { name: 'Maybe' })).rejects.toBeInstanceOf(OpenCxTimeoutError);
      await service.authenticateUser({ email: EMAIL });
      expect(h.fake.authenticateRequests()).toHaveLength(2);
    });

    it('are evicted, with none kept afterwards, when the token was in flight during the update', async () => {
      const service = await h.boot();
      // The contact exists at OpenCX (made by another instance); this one has no token of it yet.
      const { id } = h.fake.addContact({ email: EMAIL, name: 'Before' }, API_KEY);
      // Long enough for the update to have evicted before it answers, on a busy machine too.
      h.fake.delayNext(1, 1_500);
      const first = service.authenticateUser({ email: EMAIL, name: 'Before' });
      first.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await service.updateContact(id, { name: 'After' });
      const minted = await first;
      // Its token came after the update's eviction: it must not be kept for later calls.
      await service.updateContact(id, { name: 'After again' });
      await expect(service.deleteContact(id)).resolves.toEqual({ deleted: true });
      const sentBefore = h.fake.requests.length;
      const again = await service.authenticateUser({ email: EMAIL, name: 'Before' });
      expect(h.fake.requests.slice(sentBefore).map((r) => r.method)).toEqual(['POST']);
      expect(again.token).not.toBe(minted.token);
    });

    it('are evicted whatever the case OpenCX gave the contact id in', async () => {
      const service = await h.boot();
      const { id } = h.fake.addContact({ email: EMAIL, name: 'Before' }, API_KEY);
      h.fake.queue(1, {
        kind: 'respond',
        status: 200,
        body: { token: 'minted-before', contact: { id: id.toUpperCase() } },
      });
      const first = await service.authenticateUser({ email: EMAIL, name: 'Before' });
      expect([first.token, first.contact!.id]).toEqual(['minted-before', id.toUpperCase()]);
      await service.updateContact(first.contact!.id, { name: 'After' });
      const again = await service.authenticateUser({ email: EMAIL, name: 'Before' });
      expect(again.token).not.toBe('minted-before');
    });

    it("are evicted in a full memory cache, however often the contact's token was served from it", async () => {
      const service = await h.boot({ cache: { maxEntries: 4 } });
      const busy = await service.authenticateUser({ email: 'busy@example.com', name: 'Before' });
      await service.authenticateUser({ email: 'other1@example.com' });
      const sent = h.fake.requests.length;
      await expect(service.authenticateUser({ email: 'busy@example.com', name: 'Before' })).resolves.toEqual(busy);
      expect(h.fake.requests.length).toBe(sent);
      await service.authenticateUser({ email: 'other2@example.com' });
      await service.updateContact(busy.contact!.id, { name: 'After' });
      const again = await service.authenticateUser({ email: 'busy@example.com', name: 'Before' });
      // other2's sign-in, the PATCH, and this sign-in: not answered from the cache.
      expect(h.fake.requests.length).toBe(sent + 3);
      expect(again.contact).toEqual(busy.contact);
    });

    it('are never served when OpenCX answered without the contact: such a token is not cached', async () => {
      const service = await h.boot();
      const { id } = h.fake.addContact({ email: EMAIL, name: 'Before' }, API_KEY);
      h.fake.queue(1, { kind: 'respond', status: 200, body: { token: 'minted-before' } });
      const first = await service.authenticateUser({ email: EMAIL, name: 'Before' });
      expect([first.token, first.contact]).toEqual(['minted-before', undefined]);
      await service.updateContact(id, { name: 'After' });
      const again = await service.authenticateUser({ email: EMAIL, name: 'Before' });
      expect(again.token).not.toBe('minted-before');
    });

    it('says so when a store could not evict them', async () => {
      const memory = new MemoryFleetStore();
      const store: OpenCxFleetStore = Object.assign(Object.create(memory) as OpenCxFleetStore, {
        evict: () => Promise.reject(new TypeError(`store detail ${NEW_EMAIL}`)),
      });
      const service = await h.boot({ store });
      const { contact } = await service.authenticateUser({ email: EMAIL });
      const error = await rejection(service.updateContact(contact!.id, { email: NEW_EMAIL }));
      expect(error).toBeInstanceOf(OpenCxStoreError);
      expect((error as Error).message).toBe("updateContact could not evict the contact's tokens (TypeError)");
    });

    it("serves the contact's token no more when its note in the store was altered", async () => {
      const memory = new MemoryFleetStore();
      const store: OpenCxFleetStore = Object.assign(Object.create(memory) as OpenCxFleetStore, {
        evictNote: async (key: string) => [...(await memory.evictNote(key)), 'not noted by this library'],
      });
      const service = await h.boot({ store });
      const { contact } = await service.authenticateUser({ email: EMAIL });
      await service.updateContact(contact!.id, { name: 'x' });
      h.fake.reset();
      // A token is served only while its contact's note names it: OpenCX is asked again.
      await service.authenticateUser({ email: EMAIL });
      expect(h.fake.requests).toHaveLength(1);
    });
  });

  it('retries like authenticateUser, a time-out included: the same fields twice leave the same contact', async () => {
    const service = await h.boot({ timeout: 1_000, maxRetries: 2, retryPostAfterTimeout: false });
    const { contact } = await service.authenticateUser({ email: EMAIL });
    h.fake.route('PATCH /contacts/{id}').failNext(1, 503);
    h.fake.route('PATCH /contacts/{id}').hangNext(1);
    await service.updateContact(contact!.id, { name: 'Third time' });
    expect(h.fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(3);
    expect(h.fake.contacts(API_KEY)[0]).toMatchObject({ name: 'Third time' });
  });

  it.each([
    [404, 'an unknown contact'],
    [409, 'an email another contact holds'],
  ])('rejects with OpenCxApiError %i for %s, its text scrubbed of the changes', async (status) => {
    const service = await h.boot();
    h.fake.failNext(1, status, { body: { statusCode: status, message: `no ${NEW_EMAIL} here`, error: 'x' } });
    const error = await rejection(service.updateContact(randomUUID(), { email: NEW_EMAIL }));
    expect(error).toBeInstanceOf(OpenCxApiError);
    expect((error as OpenCxApiError).upstreamStatus).toBe(status);
    expect(JSON.stringify(error) + String(error) + JSON.stringify((error as OpenCxApiError).body)).not.toContain(
      NEW_EMAIL,
    );
  });

  it.each([
    ['in NFD', ACCENTED.normalize('NFD')],
    [
      'as \\u-escaped JSON',
      ACCENTED.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    ],
  ])('keeps a refused name out of the error when OpenCX echoes it %s', async (_form, echoed) => {
    const service = await h.boot();
    h.fake.route('PATCH /contacts/{id}').failNext(1, 409, {
      body: { statusCode: 409, error: 'Conflict', message: `name ${echoed} conflicts` },
    });
    const error = await rejection(service.updateContact(randomUUID(), { name: ACCENTED }));
    expect(error).toBeInstanceOf(OpenCxApiError);
    const printed = [inspect(error, { depth: 10 }), JSON.stringify(error), (error as Error).message].join('\n');
    expect(printed).toContain('conflicts');
    expect(printed.normalize('NFC')).not.toContain(ACCENTED);
    expect(printed).not.toContain(echoed);
    for (const word of ['onore', 'dicte', 'u00e9']) expect(printed).not.toContain(word);
  });

  it("leaves health as it was when OpenCX refuses a change: a 404, 409 or 500 is that call's outcome", async () => {
    const service = await h.boot({ maxRetries: 0, healthCheckInterval: 60_000 });
    const { contact } = await service.authenticateUser({ email: EMAIL });
    for (const status of [404, 409, 500]) {
      h.fake.failNext(1, status);
      const error = await rejection(service.updateContact(contact!.id, { name: 'x' }));
      expect((error as OpenCxApiError).upstreamStatus).toBe(status);
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted', httpStatus: 200 });
    }
    // Every verdict came from the sign-in: no probe was sent.
    expect(h.fake.requests).toHaveLength(4);
  });

  it('sends a per-call apiKey, for the contact of that organisation', async () => {
    const service = await h.boot();
    const { contact } = await service.authenticateUser({ email: EMAIL }, { apiKey: OTHER_KEY });
    await service.updateContact(contact!.id, { name: 'Other org' }, { apiKey: OTHER_KEY });
    expect(h.fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${OTHER_KEY}`);
    expect(h.fake.contacts(OTHER_KEY)[0]).toMatchObject({ name: 'Other org' });
  });

  it('takes a rate-limit slot, and ends by totalTimeout', async () => {
    const limited = await h.boot({ rateLimit: { perMinute: 1 } });
    const { contact } = await limited.authenticateUser({ email: EMAIL });
    const refused = await rejection(limited.updateContact(contact!.id, { name: 'x' }));
    expect(refused).toBeInstanceOf(OpenCxClientRateLimitError);
    expect(h.fake.requests).toHaveLength(1);

    const service = await h.boot({ timeout: 5_000, totalTimeout: 150 });
    h.fake.hangNext(1);
    const started = performance.now();
    const late = await rejection(service.updateContact(contact!.id, { name: 'x' }));
    // By totalTimeout (150 ms), long before the attempt's own 5 s.
    expect(late).toBeInstanceOf(OpenCxTimeoutError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
