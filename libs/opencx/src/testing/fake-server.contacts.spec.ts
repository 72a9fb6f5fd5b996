import { createOpenCxFakeServer } from './fake-server.js';
import type { OpenCxFakeServer } from './fake-server.interface.js';

const KEY = 'sk_fake_key';

interface Answer {
  status: number;
  text: string;
  json: unknown;
}

async function call(
  server: OpenCxFakeServer,
  method: string,
  path: string,
  body?: unknown,
  key = KEY,
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

const authenticate = async (server: OpenCxFakeServer, body: Record<string, unknown>): Promise<string> =>
  ((await call(server, 'POST', '/widget/authenticate-user', body)).json as { contact: { id: string } }).contact.id;

/** Midnight UTC of a day in January 2026. */
const at = (day: number): string => `2026-01-0${day}T00:00:00.000Z`;

interface Page {
  items: Array<Record<string, unknown>>;
  next: string | null;
}

describe('createOpenCxFakeServer: the contacts endpoints', () => {
  let server: OpenCxFakeServer;
  beforeEach(async () => {
    server = await createOpenCxFakeServer({ apiKey: KEY, contactsPageSize: 2 });
  }, 30_000);
  afterEach(() => server?.close());

  it('keeps the profile authenticate-user leaves, and lists it as OpenCX lists contacts', async () => {
    const id = await authenticate(server, {
      email: 'Jane@example.com',
      name: 'Jane',
      phone: '+15550100',
      customData: { plan: 'pro' },
    });
    const page = (await call(server, 'GET', '/contacts')).json as Page;
    expect(page).toEqual({
      items: [
        {
          id,
          email: 'Jane@example.com',
          phone_number: '+15550100',
          name: 'Jane',
          custom_data: { plan: 'pro' },
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          updated_at: expect.any(String),
        },
      ],
      next: null,
    });
    // Another call for the same email (case aside) is the same contact: the fields it sends replace.
    expect(await authenticate(server, { email: 'jane@example.com', name: 'Jane Doe' })).toBe(id);
    expect(server.contacts()).toEqual([expect.objectContaining({ id, name: 'Jane Doe', phone_number: '+15550100' })]);
  });

  it('updates a contact with PATCH /contacts/{id}: 200 with no body, snake_case custom_data, the id kept', async () => {
    const id = await authenticate(server, { email: 'old@example.com', name: 'Old', mcp_access: {} });
    const [before] = server.contacts();
    const patched = await call(server, 'PATCH', `/contacts/${id}`, {
      contact: { email: 'new@example.com', phone: '+441234', name: 'New', custom_data: { tier: 'gold' } },
    });
    expect(patched).toEqual({ status: 200, text: '', json: undefined });
    const [after] = server.contacts();
    expect(after).toEqual({
      ...before,
      email: 'new@example.com',
      phone_number: '+441234',
      name: 'New',
      custom_data: { tier: 'gold' },
      updated_at: expect.any(String),
    });
    expect(Date.parse(after!.updated_at)).toBeGreaterThanOrEqual(Date.parse(before!.updated_at));
    // The new email finds the same contact; the old one makes a new contact.
    expect(await authenticate(server, { email: 'new@example.com' })).toBe(id);
    expect(server.contactIdFor('new@example.com')).toBe(id);
    expect(await authenticate(server, { email: 'old@example.com' })).not.toBe(id);
  });

  it('refuses a PATCH it cannot take: unknown contact 404, bad body 400 naming the field, a taken email 409', async () => {
    const id = await authenticate(server, { email: 'a@example.com' });
    await authenticate(server, { email: 'b@example.com' });
    const unknown = await call(server, 'PATCH', '/contacts/0d8e2c8a-0000-4000-8000-000000000000', {
      contact: { name: 'x' },
    });
    expect(unknown).toMatchObject({ status: 404, json: { statusCode: 404, message: 'Contact not found' } });
    const bad = await call(server, 'PATCH', `/contacts/${id}`, { contact: { name: 7, customData: {} }, extra: 1 });
    expect(bad.status).toBe(400);
    expect((bad.json as { message: string[] }).message).toEqual([
      'property extra should not exist',
      'contact.name must be a string',
      'property contact.customData should not exist',
    ]);
    expect((await call(server, 'PATCH', `/contacts/${id}`, { name: 'x' })).status).toBe(400);
    expect((await call(server, 'PATCH', `/contacts/${id}`, { contact: { email: 'B@example.com' } })).status).toBe(409);
    expect((await call(server, 'PATCH', `/contacts/${id}`, { contact: { name: 'x' } }, 'sk_wrong')).status).toBe(401);
  });

  it('pages GET /contacts with its cursor, oldest first, until next is null', async () => {
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      ids.push(await authenticate(server, { email: `${name}@example.com` }));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`;
      const page = (await call(server, 'GET', `/contacts${query}`)).json as Page;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.id as string));
      cursor = page.next;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
    expect(server.requestsTo('GET /contacts').map((r) => r.query.cursor === undefined)).toEqual([true, false, false]);
    // A deleted contact is no longer listed, and a full last page says there is nothing after it.
    expect((await call(server, 'DELETE', `/contacts/${ids[4]}`)).status).toBe(200);
    const second = (
      await call(
        server,
        'GET',
        `/contacts?cursor=${encodeURIComponent(((await call(server, 'GET', '/contacts')).json as Page).next!)}`,
      )
    ).json as Page;
    expect(second).toEqual({
      items: [expect.objectContaining({ id: ids[2] }), expect.objectContaining({ id: ids[3] })],
      next: null,
    });
  });

  it('filters by created_after, created_before, updated_after and updated_before (ISO 8601, exclusive)', async () => {
    server.addContact({ email: 'one@example.com', created_at: at(1), updated_at: at(5) });
    server.addContact({ email: 'two@example.com', created_at: at(2), updated_at: at(2) });
    server.addContact({ email: 'three@example.com', created_at: at(3), updated_at: at(4) });
    const emails = async (query: string): Promise<unknown[]> =>
      ((await call(server, 'GET', `/contacts?${query}`)).json as Page).items.map((item) => item.email);
    expect(await emails(`created_after=${at(1)}`)).toEqual(['two@example.com', 'three@example.com']);
    expect(await emails(`created_before=${at(3)}`)).toEqual(['one@example.com', 'two@example.com']);
    expect(await emails(`updated_after=${at(3)}&updated_before=2026-01-05`)).toEqual(['three@example.com']);
    expect(await emails(`created_after=2026-01-01T12:00:00%2B00:00&updated_after=${at(2)}`)).toEqual([
      'three@example.com',
    ]);
  });

  it('refuses a bad list query with 400: a filter that is not ISO 8601, a foreign cursor, a repeated or unknown parameter', async () => {
    const message = async (query: string): Promise<unknown> =>
      ((await call(server, 'GET', `/contacts?${query}`)).json as { message: unknown }).message;
    expect(await message('created_after=yesterday')).toEqual(['created_after must be a valid ISO 8601 date string']);
    expect(await message('updated_before=2026-13-45')).toEqual(['updated_before must be a valid ISO 8601 date string']);
    expect(await message('cursor=not-ours')).toEqual(['cursor is not a cursor this server gave']);
    expect(await message('cursor=a&cursor=b')).toEqual(['cursor must be a string']);
    expect(await message('limit=5')).toEqual(['property limit should not exist']);
    expect((await call(server, 'GET', '/contacts', undefined, 'sk_wrong')).status).toBe(401);
  });

  it('keeps organisations apart: a key lists, updates and deletes only its own contacts', async () => {
    const open = await createOpenCxFakeServer();
    try {
      const inA = (
        (await call(open, 'POST', '/widget/authenticate-user', { email: 'a@example.com' }, 'sk_a')).json as {
          contact: { id: string };
        }
      ).contact.id;
      expect(((await call(open, 'GET', '/contacts', undefined, 'sk_b')).json as Page).items).toEqual([]);
      expect((await call(open, 'PATCH', `/contacts/${inA}`, { contact: { name: 'x' } }, 'sk_b')).status).toBe(404);
      expect((await call(open, 'DELETE', `/contacts/${inA}`, undefined, 'sk_b')).status).toBe(404);
      expect(open.contacts('sk_a')).toHaveLength(1);
    } finally {
      await open.close();
    }
  });

  it('deletes a contact: 200 with no body, its token refused after, its email a new contact', async () => {
    const answer = (await call(server, 'POST', '/widget/authenticate-user', { email: 'gone@example.com' })).json as {
      token: string;
      contact: { id: string };
    };
    expect(server.tokenAccepted(answer.token)).toBe(true);
    expect(await call(server, 'DELETE', `/contacts/${answer.contact.id}`)).toEqual({
      status: 200,
      text: '',
      json: undefined,
    });
    expect(server.tokenAccepted(answer.token)).toBe(false);
    expect(server.contacts()).toEqual([]);
    expect((await call(server, 'PATCH', `/contacts/${answer.contact.id}`, { contact: { name: 'x' } })).status).toBe(
      404,
    );
  });

  it('scripts failures for one route: the other routes answer normally meanwhile', async () => {
    const id = await authenticate(server, { email: 'a@example.com' });
    server.route('GET /contacts').failNext(1, 503, { retryAfter: 2 });
    server.route('PATCH /contacts/{id}').malformedNext(1, '{"items":"not a list"}');
    expect((await call(server, 'POST', '/widget/authenticate-user', { email: 'b@example.com' })).status).toBe(200);
    expect((await call(server, 'PATCH', `/contacts/${id}`, { contact: { name: 'x' } })).text).toBe(
      '{"items":"not a list"}',
    );
    expect((await call(server, 'GET', '/contacts')).status).toBe(503);
    expect((await call(server, 'GET', '/contacts')).status).toBe(200);
    expect(() => server.route('GET /nowhere' as never)).toThrow('The fake has no route "GET /nowhere"');
  });

  it('adds contacts for a test and refuses a clash; reset forgets them', () => {
    const added = server.addContact({ email: 'seed@example.com', name: 'Seed' });
    expect(added).toMatchObject({ id: server.contactIdFor('seed@example.com'), phone_number: null, custom_data: null });
    expect(() => server.addContact({ email: 'SEED@example.com' })).toThrow('email');
    expect(() => server.addContact({ id: added.id })).toThrow(added.id);
    expect(() => server.addContact({ email: 'x@example.com', created_at: 'soon' })).toThrow('ISO 8601');
    server.reset();
    expect(server.contacts()).toEqual([]);
  });
});
