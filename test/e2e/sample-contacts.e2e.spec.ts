import request from 'supertest';
import { CANARY, startSampleApp, type SampleHarness } from '../support/sample-app.js';

const AUTH = '/v1/contacts/authenticate';

/** A request made with the service key. */
const key = (req: request.Test): request.Test => req.set('x-api-key', CANARY.serviceKey);

describe('sample app: the contacts endpoints (e2e, fake OpenCX behind it)', () => {
  let h: SampleHarness;
  const asService = () => request(h.url);

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

  describe('OpenAPI document', () => {
    type Operation = { security: unknown[]; responses: Record<string, unknown>; parameters?: Array<{ name: string }> };
    let paths: Record<string, Record<string, Operation>>;
    beforeAll(async () => {
      paths = (await request(h.url).get('/docs-json').expect(200)).body.paths;
    });

    it.each([['delete', '/v1/contacts/{contactId}', ['200', '400', '401', '502', '503', '504']]])(
      'documents %s %s behind the service key, with its answers',
      (method, path, statuses) => {
        const operation = paths[path]![method]!;
        expect(operation.security).toEqual([{ 'api-key': [] }]);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(statuses));
      },
    );
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
