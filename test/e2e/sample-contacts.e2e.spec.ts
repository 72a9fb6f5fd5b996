import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { CANARY, startSampleApp, type SampleHarness } from '../support/sample-app.js';

const AUTH = '/v1/contacts/authenticate';

/** A request made with the service key. */
const key = (req: request.Test): request.Test => req.set('x-api-key', CANARY.serviceKey);

describe('sample app: the contacts endpoints (e2e, fake OpenCX behind it)', () => {
  let h: SampleHarness;
  const asService = () => request(h.url);
  /** A contact at the fake, made as the sample makes them: its id. */
  const contact = async (email: string = CANARY.email): Promise<string> =>
    ((await key(asService().post(AUTH)).send({ email }).expect(201)).body as { contact: { id: string } }).contact.id;

  // The app may take seconds to start on a busy machine: as long as the harness waits for it.
  beforeAll(async () => {
    h = await startSampleApp();
  }, 20_000);
  beforeEach(() => h.fake.reset());
  afterAll(() => h?.close());

  describe('DELETE /v1/contacts/:contactId', () => {
    it('deletes the contact at OpenCX (its token then refused) and says so: 200 { deleted }', async () => {
      const { body } = await key(asService().post(AUTH)).send({ email: CANARY.email }).expect(201);
      await asService().delete(`/v1/contacts/${body.contact.id}`).expect(401);
      const first = await key(asService().delete(`/v1/contacts/${body.contact.id}`)).expect(200);
      expect(first.body).toEqual({ deleted: true });
      expect(h.fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/contacts/${body.contact.id}` });
      expect(h.fake.tokenAccepted(body.token)).toBe(false);
      // OpenCX no longer knows it (404): said, not passed off as a deletion.
      const again = await key(asService().delete(`/v1/contacts/${body.contact.id}`)).expect(200);
      expect(again.body).toEqual({ deleted: false });
    });

    it.each([
      ['%2E%2E', 'escaped dots'],
      ['.', 'a dot'],
      ['%2e', 'an escaped dot'],
      ['a%2F..', 'an escaped slash and dots'],
      ['%252e%252e', 'doubly escaped dots'],
      ['not-a-contact', 'a word'],
    ])('answers 400 naming contactId for %s (%s), and sends OpenCX nothing', async (id) => {
      const response = await key(asService().delete(`/v1/contacts/${id}`)).expect(400);
      expect(response.body.fields).toEqual([{ field: 'contactId', messages: [expect.stringContaining('UUID')] }]);
      expect(h.fake.requests).toHaveLength(0);
    });
  });

  describe('PATCH /v1/contacts/:contactId', () => {
    it("changes the contact's profile at OpenCX: 204, the body sent as OpenCX's { contact }", async () => {
      const id = await contact();
      const changes = {
        email: 'renamed@example.com',
        name: 'Renamed',
        phone: '+441234567890',
        custom_data: { plan: 'pro' },
      };
      await asService().patch(`/v1/contacts/${id}`).send(changes).expect(401);
      await key(asService().patch(`/v1/contacts/${id}`))
        .send(changes)
        .expect(204, '');
      const sent = h.fake.requests.at(-1)!;
      expect([sent.method, sent.path, JSON.parse(sent.rawBody)]).toEqual([
        'PATCH',
        `/contacts/${id}`,
        { contact: changes },
      ]);
      expect(h.fake.contacts()).toEqual([
        expect.objectContaining({ id, email: 'renamed@example.com', name: 'Renamed', custom_data: { plan: 'pro' } }),
      ]);
    });

    it.each([
      [{}, '(body)'],
      [{ name: null }, 'name'],
      [{ email: 'nope' }, 'email'],
      [{ phone: '12' }, 'phone'],
      [{ customData: { a: 1 } }, 'customData'],
      [{ custom_data: 'x' }, 'custom_data'],
    ])('answers 400 naming the bad field for %j, and sends OpenCX nothing', async (body, field) => {
      const id = await contact();
      h.fake.reset();
      const response = await key(asService().patch(`/v1/contacts/${id}`))
        .send(body)
        .expect(400);
      expect(response.body.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(h.fake.requests).toHaveLength(0);
    });

    it('answers 404 for a contact OpenCX does not know, and 409 for an email another contact holds', async () => {
      await key(asService().patch(`/v1/contacts/${randomUUID()}`))
        .send({ name: 'x' })
        .expect(404);
      const id = await contact();
      await contact('taken@example.com');
      const taken = await key(asService().patch(`/v1/contacts/${id}`))
        .send({ email: 'taken@example.com' })
        .expect(409);
      expect(taken.body).toEqual({ statusCode: 409, message: 'Another contact has this email', error: 'Conflict' });
      await key(asService().patch('/v1/contacts/%2E%2E')).send({ name: 'x' }).expect(400);
    });
  });

  describe('GET /v1/contacts', () => {
    it('answers one page and its cursor; the cursor (with the same filter) gives the next', async () => {
      for (let i = 0; i < 12; i++)
        h.fake.addContact({ email: `user${i}@example.com`, created_at: `2026-01-0${1 + (i % 3)}T00:00:00Z` });
      await asService().get('/v1/contacts').expect(401);
      const first = await key(asService().get('/v1/contacts')).expect(200);
      expect(first.body.items).toHaveLength(10);
      expect(first.body.items[0]).toEqual({
        id: expect.any(String),
        email: 'user0@example.com',
        phone_number: null,
        name: null,
        custom_data: null,
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
      });
      const second = await key(asService().get('/v1/contacts').query({ cursor: first.body.next })).expect(200);
      expect(second.body).toEqual({ items: [expect.any(Object), expect.any(Object)], next: null });

      const filtered = await key(asService().get('/v1/contacts').query({ created_after: '2026-01-02T12:00:00Z' }));
      expect(filtered.status).toBe(200);
      expect(filtered.body.items.map((c: { email: string }) => c.email)).toEqual([
        'user2@example.com',
        'user5@example.com',
        'user8@example.com',
        'user11@example.com',
      ]);
      expect(h.fake.requests.at(-1)!.query).toEqual({ created_after: '2026-01-02T12:00:00Z' });
    });

    it.each([
      [{ created_after: 'yesterday' }, 'created_after'],
      [{ updated_before: '2026-13-01' }, 'updated_before'],
      [{ createdAfter: '2026-01-01' }, 'createdAfter'],
    ])('answers 400 naming the bad parameter for %j, and sends OpenCX nothing', async (query, field) => {
      const response = await key(asService().get('/v1/contacts').query(query)).expect(400);
      expect(response.body.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(h.fake.requests).toHaveLength(0);
    });

    it('answers 400 naming cursor, not 502 "OpenCX is unavailable", for a cursor OpenCX refuses', async () => {
      const response = await key(asService().get('/v1/contacts').query({ cursor: 'zzz' }));
      // Sent: only OpenCX can tell a cursor it gave; its 400 is the caller's input refused.
      expect(h.fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/contacts', query: { cursor: 'zzz' } });
      expect(response.status).toBe(400);
      expect(response.body.fields.map((f: { field: string }) => f.field)).toEqual(['cursor']);
      expect(JSON.stringify(response.body)).not.toMatch(/zzz|this server gave/);
    });

    it('answers 502 for a page OpenCX sent malformed, never part of it', async () => {
      h.fake.addContact({ email: CANARY.email });
      h.fake.malformedNext(1, JSON.stringify({ items: [{ id: 'not-a-uuid' }], next: null }));
      const response = await key(asService().get('/v1/contacts')).expect(502);
      expect(JSON.stringify(response.body)).not.toContain('not-a-uuid');
    });
  });

  describe('OpenAPI document', () => {
    type Operation = { security: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ name: string }> };
    let paths: Record<string, Record<string, Operation>>;
    beforeAll(async () => {
      paths = (await request(h.url).get('/docs-json').expect(200)).body.paths;
    });

    it.each([
      ['get', '/v1/contacts', ['200', '400', '401', '429', '502', '503', '504']],
      ['patch', '/v1/contacts/{contactId}', ['204', '400', '401', '404', '409', '502', '503', '504']],
      ['delete', '/v1/contacts/{contactId}', ['200', '400', '401', '502', '503', '504']],
    ])('documents %s %s behind the service key, with its answers', (method, path, statuses) => {
      const operation = paths[path]![method]!;
      expect(operation.security).toEqual([{ 'api-key': [] }]);
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(statuses));
    });

    it("documents the list's query with OpenCX's parameter names", () => {
      const names = paths['/v1/contacts']!.get!.parameters!.map((p) => p.name);
      expect(names.toSorted()).toEqual([
        'created_after',
        'created_before',
        'cursor',
        'updated_after',
        'updated_before',
      ]);
    });
  });
});

describe('sample app: a fresh token after a 401 (e2e, token cache on)', () => {
  let h: SampleHarness;
  beforeAll(async () => {
    h = await startSampleApp({ OPENCX_CACHE_TTL_MS: '300000' });
  }, 20_000);
  afterAll(() => h?.close());

  it('answers from the cache, and asks OpenCX again with refresh: true', async () => {
    const ask = (body: object) =>
      request(h.url).post('/v1/me/opencx-token').set('authorization', `Bearer ${h.userToken()}`).send(body).expect(201);
    await ask({});
    await ask({});
    expect(h.fake.authenticateRequests()).toHaveLength(1);
    await ask({ refresh: true });
    expect(h.fake.authenticateRequests()).toHaveLength(2);
    // The refresh flag is the sample's own: OpenCX is sent the user's fields only.
    expect(JSON.parse(h.fake.authenticateRequests()[1]!.rawBody)).toEqual({
      email: CANARY.email,
      name: 'Canary Person',
    });
    await request(h.url)
      .post('/v1/me/opencx-token')
      .set('authorization', `Bearer ${h.userToken()}`)
      .send({ refresh: 'yes' })
      .expect(400);
  });
});
