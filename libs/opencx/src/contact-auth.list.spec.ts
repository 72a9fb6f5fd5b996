import { jest } from '@jest/globals';
import type { ContactAuthService } from './contact-auth.service.js';
import type { OpenCxContact, OpenCxContactFilter } from './dto/opencx-contact.js';
import {
  OpenCxAbortError,
  OpenCxApiError,
  OpenCxClientRateLimitError,
  OpenCxError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
  OpenCxValidationError,
} from './errors/opencx.errors.js';
import type { OpenCxContactCallOptions } from './interfaces/request-options.interface.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';

const API_KEY = 'sk_list_canary_27b9';
const OTHER_KEY = 'sk_list_other_org_d3f0';
/** The fake's page size here: seven contacts make three pages. */
const PAGE = 3;

/** Every contact the iteration yields, or the error that ended it and what came before. */
async function drain(
  service: ContactAuthService,
  filter?: OpenCxContactFilter,
  options?: OpenCxContactCallOptions,
): Promise<{ contacts: OpenCxContact[]; error?: unknown }> {
  const contacts: OpenCxContact[] = [];
  try {
    for await (const contact of service.listContacts(filter, options)) contacts.push(contact);
    return { contacts };
  } catch (error) {
    return { contacts, error };
  }
}

/** A 200 page of `GET /contacts`, as a body the fake sends as it is. */
const page = (items: unknown[], next: string | null): string => JSON.stringify({ items, next });

/** A well-formed listed contact, as OpenCX sends one. */
const good = (i: number) => ({
  id: `00000000-0000-4000-8000-00000000000${i}`,
  email: null,
  phone_number: null,
  name: null,
  custom_data: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
});

describe('ContactAuthService.listContacts against the fake OpenCX server', () => {
  // The fake takes any key: each one is an organisation of its own.
  const h = useOpenCxHarness(
    { apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, rateLimit: false },
    { contactsPageSize: PAGE },
  );

  /** Seven contacts, created a day apart from 1 January 2026. */
  const seven = (apiKey = API_KEY): OpenCxContact[] =>
    Array.from({ length: 7 }, (_, i) =>
      h.fake.addContact({ email: `user${i}@example.com`, created_at: `2026-01-0${i + 1}T00:00:00.000Z` }, apiKey),
    );

  it('yields every contact, typed as OpenCX lists them, following next with cursor until it is null', async () => {
    const service = await h.boot();
    const added = seven();
    h.fake.addContact({ email: 'other-org@example.com' }, OTHER_KEY);
    const { contacts, error } = await drain(service);
    expect(error).toBeUndefined();
    expect(contacts).toEqual(added);
    const gets = h.fake.requestsTo('GET /contacts');
    expect(gets.map((r) => [r.headers.authorization, Object.keys(r.query)])).toEqual([
      [`Bearer ${API_KEY}`, []],
      [`Bearer ${API_KEY}`, ['cursor']],
      [`Bearer ${API_KEY}`, ['cursor']],
    ]);
  });

  it('sends the filter with every page: a Date as ISO 8601, a string as given', async () => {
    const service = await h.boot();
    const added = seven();
    h.fake.addContact({ email: 'later@example.com', created_at: '2026-03-01T00:00:00.000Z' }, API_KEY);
    const filter = { createdAfter: new Date('2026-01-01T12:00:00Z'), createdBefore: '2026-02-01' };
    const { contacts, error } = await drain(service, filter);
    expect(error).toBeUndefined();
    expect(contacts).toEqual(added.slice(1));
    const queries = h.fake.requestsTo('GET /contacts').map((r) => r.query);
    expect(queries).toEqual([
      { created_after: '2026-01-01T12:00:00.000Z', created_before: '2026-02-01' },
      { created_after: '2026-01-01T12:00:00.000Z', created_before: '2026-02-01', cursor: expect.any(String) },
    ]);
    await drain(service, { updatedAfter: '2026-01-05T00:00:00+01:00', updatedBefore: '2026-01-06T00:00Z' });
    expect(h.fake.requestsTo('GET /contacts').at(-1)!.query).toEqual({
      updated_after: '2026-01-05T00:00:00+01:00',
      updated_before: '2026-01-06T00:00Z',
    });
  });

  it.each<[string, unknown, string]>([
    ['a misspelt filter', { createdSince: '2026-01-01' }, 'createdSince'],
    ['a cursor (listContactsPage takes one)', { cursor: 'abc' }, 'cursor'],
    ['a date that is not ISO 8601', { createdAfter: '01/02/2026' }, 'createdAfter'],
    ['a date that does not exist', { updatedBefore: '2026-02-30T00:00:00Z' }, 'updatedBefore'],
    ['an invalid Date', { updatedAfter: new Date('nope') }, 'updatedAfter'],
    ['a number', { createdBefore: 1_767_225_600_000 }, 'createdBefore'],
    ['a filter that is not an object', 'recent', '(filter)'],
  ])('refuses %s, naming it, and sends nothing', async (_label, filter, field) => {
    const service = await h.boot();
    const { contacts, error } = await drain(service, filter as OpenCxContactFilter);
    expect(contacts).toEqual([]);
    expect(error).toBeInstanceOf(OpenCxValidationError);
    expect((error as OpenCxValidationError).errors.map((e) => e.field)).toEqual([field]);
    expect(h.fake.requests).toHaveLength(0);
  });

  it('sends no further request once a for await is left', async () => {
    const service = await h.boot();
    seven();
    const seen: OpenCxContact[] = [];
    for await (const contact of service.listContacts()) if (seen.push(contact) === PAGE) break;
    expect(h.fake.requests).toHaveLength(1);
  });

  it('takes a rate-limit slot per page', async () => {
    const service = await h.boot({ rateLimit: { perMinute: 2 } });
    seven();
    const { contacts, error } = await drain(service);
    expect(contacts).toHaveLength(2 * PAGE);
    expect(error).toBeInstanceOf(OpenCxClientRateLimitError);
    expect(h.fake.requests).toHaveLength(2);
  });

  describe('a malformed page', () => {
    it.each<[string, string]>([
      ['an id that is not a UUID', page([good(1), { ...good(2), id: '../2' }], null)],
      ['an email that is not a string', page([good(1), { ...good(2), email: 7 }], null)],
      ['a time that is not one', page([good(1), { ...good(2), updated_at: 'soon' }], null)],
      [
        'times Date.parse takes but that are no ISO 8601 date-time ("1", "March 7")',
        page([good(1), { ...good(2), created_at: '1', updated_at: 'March 7' }], null),
      ],
      ['no items list', JSON.stringify({ contacts: [good(1)], next: null })],
      ['a next that cannot be sent back', page([good(1)], 'a cursor')],
      ['a next that repeats its own cursor', page([good(3)], 'c2')],
    ])('with %s ends the iteration with OpenCxInvalidResponseError, yielding none of it', async (_label, bad) => {
      const service = await h.boot();
      h.fake.route('GET /contacts').malformedNext(1, page([good(1), good(2)], 'c2'));
      h.fake.route('GET /contacts').malformedNext(1, bad);
      const { contacts, error } = await drain(service);
      expect(contacts.map((c) => c.id)).toEqual([good(1).id, good(2).id]);
      expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
      expect(h.fake.requests).toHaveLength(2);
    });

    it('with a next that returns to an earlier cursor ends the iteration, which would never end', async () => {
      const service = await h.boot();
      // a → b → a → b …: each page on its own is well formed.
      for (let i = 1; i <= 8; i++) h.fake.route('GET /contacts').malformedNext(1, page([good(i)], i % 2 ? 'a' : 'b'));
      const { contacts, error } = await drain(service);
      expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
      expect((error as Error).message).toContain('next returns to an earlier cursor');
      expect(contacts.length).toBeLessThan(4);
      expect(h.fake.requests.length).toBeLessThan(5);
    });

    it('keeps the documented fields only, a missing nullable one as null', async () => {
      const service = await h.boot();
      const { email: _email, ...withoutEmail } = good(1);
      h.fake.route('GET /contacts').malformedNext(1, page([{ ...withoutEmail, extra: 'x' }], null));
      const { contacts } = await drain(service);
      expect(contacts).toEqual([{ ...good(1), email: null }]);
    });
  });

  describe('the signal and totalTimeout', () => {
    it('the signal ends the iteration: the page in flight, and the contacts not yet taken', async () => {
      const service = await h.boot();
      seven();
      const inFlight = new AbortController();
      h.fake.delayNext(1, 5_000);
      const pending = drain(service, undefined, { signal: inFlight.signal });
      await h.fake.nextRequest();
      inFlight.abort();
      await expect(pending).resolves.toEqual({ contacts: [], error: expect.any(OpenCxAbortError) });

      const between = new AbortController();
      const taken: OpenCxContact[] = [];
      const ended = (async () => {
        for await (const contact of service.listContacts(undefined, { signal: between.signal })) {
          taken.push(contact);
          between.abort();
        }
      })();
      await expect(ended).rejects.toBeInstanceOf(OpenCxAbortError);
      expect(taken).toHaveLength(1);
      expect(h.fake.requestsTo('GET /contacts')).toHaveLength(2);
    });

    it('totalTimeout bounds each step: a page that hangs ends the iteration with OpenCxTimeoutError', async () => {
      const service = await h.boot({ timeout: 5_000, totalTimeout: 150 });
      seven();
      const iterator = service.listContacts()[Symbol.asyncIterator]();
      for (let i = 0; i < PAGE; i++) await iterator.next();
      h.fake.hangNext(1);
      const started = performance.now();
      await expect(iterator.next()).rejects.toBeInstanceOf(OpenCxTimeoutError);
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('totalTimeout bounds each step, however many pages: empty pages with fresh cursors for ever end', async () => {
      const service = await h.boot({ totalTimeout: 300 });
      // More than could be asked for in 300 ms: the fake's own (last) page is never reached.
      const endless = 5_000;
      for (let i = 0; i < endless; i++) h.fake.route('GET /contacts').malformedNext(1, page([], `empty${i}`));
      const started = performance.now();
      const { contacts, error } = await drain(service);
      expect(error).toBeInstanceOf(OpenCxTimeoutError);
      expect((error as OpenCxTimeoutError).timeout).toBe(300);
      expect(contacts).toEqual([]);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(h.fake.requests.length).toBeLessThan(endless);
    });

    it('gives a step all its pages: empty ones before a contact within totalTimeout are no end', async () => {
      const service = await h.boot({ totalTimeout: 5_000 });
      for (let i = 0; i < 3; i++) h.fake.route('GET /contacts').malformedNext(1, page([], `empty${i}`));
      h.fake.route('GET /contacts').malformedNext(1, page([good(1)], null));
      await expect(drain(service)).resolves.toEqual({ contacts: [good(1)] });
      expect(h.fake.requests).toHaveLength(4);
    });

    it('counts only the library’s time: what the caller spends on a contact is no step’s', async () => {
      const service = await h.boot({ totalTimeout: 1_000 });
      seven();
      const iterator = service.listContacts()[Symbol.asyncIterator]();
      for (let i = 0; i < PAGE; i++) await iterator.next();
      // Ten seconds pass on the monotonic clock while the caller works on the first page.
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      try {
        jest.advanceTimersByTime(10_000);
        await expect(iterator.next()).resolves.toMatchObject({ done: false });
      } finally {
        jest.useRealTimers();
        await iterator.return?.();
      }
    });
  });

  it("leaves health as it was after a malformed page, a 404 or a 500: that call's outcome", async () => {
    const service = await h.boot({ maxRetries: 0, healthCheckInterval: 60_000 });
    await service.authenticateUser({ email: 'health@example.com' });
    const answers: Array<() => void> = [
      () => h.fake.route('GET /contacts').malformedNext(1, page([{ ...good(1), id: 'x' }], null)),
      () => h.fake.failNext(1, 404),
      () => h.fake.failNext(1, 500),
    ];
    for (const answer of answers) {
      answer();
      const { error } = await drain(service);
      expect(error).toBeInstanceOf(OpenCxError);
      await expect(service.checkHealth()).resolves.toMatchObject({ status: 'up', apiKey: 'accepted', httpStatus: 200 });
    }
    expect(h.fake.requests).toHaveLength(4);
  });

  it('lists the organisation of a per-call apiKey', async () => {
    const service = await h.boot();
    seven();
    const other = h.fake.addContact({ email: 'other-org@example.com' }, OTHER_KEY);
    const { contacts } = await drain(service, {}, { apiKey: OTHER_KEY });
    expect(contacts).toEqual([other]);
    expect(h.fake.requests[0]!.headers.authorization).toBe(`Bearer ${OTHER_KEY}`);
  });
});

describe('ContactAuthService.listContactsPage', () => {
  const h = useOpenCxHarness({ apiKey: API_KEY, rateLimit: false }, { contactsPageSize: PAGE });

  it('answers one page and its next cursor; the cursor, with the same filter, gives the page after', async () => {
    const service = await h.boot();
    const added = Array.from({ length: 4 }, (_, i) => h.fake.addContact({ email: `page${i}@example.com` }, API_KEY));
    const first = await service.listContactsPage();
    expect(first).toEqual({ items: added.slice(0, PAGE), next: expect.any(String) });
    const second = await service.listContactsPage({ cursor: first.next! });
    expect(second).toEqual({ items: added.slice(PAGE), next: null });
    expect(h.fake.requests.map((r) => r.query)).toEqual([{}, { cursor: first.next }]);
  });

  it('answers a cursor OpenCX refuses (400) as OpenCxValidationError naming cursor, without OpenCX’s text', async () => {
    const service = await h.boot();
    const error = await service.listContactsPage({ cursor: 'zzz' }).catch((e: unknown) => e);
    expect(h.fake.requests).toHaveLength(1);
    expect(error).toBeInstanceOf(OpenCxValidationError);
    expect((error as OpenCxValidationError).getStatus()).toBe(400);
    expect((error as OpenCxValidationError).errors.map((e) => e.field)).toEqual(['cursor']);
    expect(JSON.stringify(error) + String(error)).not.toMatch(/zzz|this server gave/);
  });

  it('keeps a 400 without a cursor of the caller OpenCX’s failure: the first page, and a next it gave', async () => {
    const service = await h.boot({ maxRetries: 0 });
    h.fake.failNext(1, 400);
    const first = await service.listContactsPage().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(OpenCxApiError);
    expect((first as OpenCxApiError).getStatus()).toBe(502);
    h.fake.route('GET /contacts').malformedNext(1, page([], 'given-by-opencx'));
    h.fake.failNext(1, 400);
    const { error } = await drain(service);
    expect(error).toBeInstanceOf(OpenCxApiError);
    expect((error as OpenCxApiError).upstreamStatus).toBe(400);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'with space'],
    ['of 4097 characters', 'x'.repeat(4097)],
    ['with a non-ASCII letter', 'naïve'],
  ])('refuses a cursor %s, sending nothing', async (_label, cursor) => {
    const service = await h.boot();
    const error = await service.listContactsPage({ cursor }).catch((e: unknown) => e);
    expect((error as OpenCxValidationError).errors.map((e) => e.field)).toEqual(['cursor']);
    expect(h.fake.requests).toHaveLength(0);
  });
});
