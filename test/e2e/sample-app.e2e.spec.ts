import { createHmac } from 'node:crypto';
import request from 'supertest';
import { createOpenCxFakeServer } from 'nestjs-opencx/testing';
import {
  CANARY,
  SAMPLE_JWT,
  SPEC_FIELDS,
  sampleEnv,
  spawnSampleApp,
  startSampleApp,
  type SampleHarness,
} from '../support/sample-app.js';

const AUTH = '/v1/contacts/authenticate';
const ME = '/v1/me/opencx-token';
const UNAUTHORIZED = { message: 'Unauthorized', statusCode: 401 };

/** A JWT with any header, e.g. `alg: none`, which no honest issuer produces. */
const forge = (header: object, payload: object, signature = 'sig') =>
  [header, payload].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + `.${signature}`;

const SAMPLE_JWT_CLAIMS = { iss: SAMPLE_JWT.issuer, aud: SAMPLE_JWT.audience };

/** A JWT correctly signed with the sample's secret, with any header fields and claims. */
const forgeSigned = (payload: object, header: object = {}) => {
  const unsigned = [{ alg: 'HS256', typ: 'JWT', ...header }, payload]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.');
  return `${unsigned}.${createHmac('sha256', CANARY.jwtSecret).update(unsigned).digest('base64url')}`;
};

describe('sample app (e2e, fake OpenCX behind it)', () => {
  let h: SampleHarness;
  const server = () => h.url;
  const asService = (body: unknown, key: string = CANARY.serviceKey) =>
    request(server())
      .post(AUTH)
      .set('x-api-key', key)
      .send(body as object);

  // The app may take seconds to start on a busy machine: as long as the harness waits for it.
  beforeAll(async () => {
    h = await startSampleApp();
  }, 20_000);
  beforeEach(() => h.fake.reset());
  afterAll(() => h?.close());

  describe('DELETE /v1/contacts/:contactId (x-api-key)', () => {
    it('erases the contact at OpenCX (its token then refused), behind the service key', async () => {
      const { body } = await asService({ email: CANARY.email }).expect(201);
      await request(server()).delete(`/v1/contacts/${body.contact.id}`).expect(401);
      await request(server()).delete(`/v1/contacts/${body.contact.id}`).set('x-api-key', CANARY.serviceKey).expect(204);
      expect(h.fake.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/contacts/${body.contact.id}` });
      expect(h.fake.tokenAccepted(body.token)).toBe(false);
    });
  });

  describe('POST /v1/contacts/authenticate (x-api-key)', () => {
    it('answers 201 with the token and contact id, sending OpenCX exactly the body', async () => {
      const body = {
        email: CANARY.email,
        name: 'Canary Person',
        phone: CANARY.phone,
        language: 'de',
        customData: { plan: 'pro' },
        http_action_overrides: { headers: { 'X-Secret': CANARY.headerValue } },
      };
      const response = await asService(body).expect(201);
      expect(response.body).toEqual({
        token: expect.any(String),
        contact: { id: h.fake.contactIdFor(CANARY.email) },
        expiresAt: null,
      });
      expect(h.fake.requests).toHaveLength(1);
      expect(JSON.parse(h.fake.requests[0]!.rawBody)).toEqual(body);
      expect(h.fake.requests[0]!.headers.authorization).toBe(`Bearer ${CANARY.orgApiKey}`);
    });

    it.each([
      ['missing', undefined],
      ['wrong', 'svc_wrong_key_0123456789abcdef'],
      ['truncated', CANARY.serviceKey.slice(0, -1)],
      ['differently cased', CANARY.serviceKey.toUpperCase()],
      ['empty', ''],
    ])('refuses a %s key with a bare 401', async (_label, key) => {
      const req = request(server()).post(AUTH);
      if (key !== undefined) req.set('x-api-key', key);
      const response = await req.send({ email: CANARY.email }).expect(401);
      expect(response.body).toEqual(UNAUTHORIZED);
      expect(h.fake.requests).toHaveLength(0);
    });

    it('accepts every configured key', async () => {
      const response = await asService({ email: CANARY.email }, 'other_service_key_0000000000').expect(201);
      expect(response.body.token).toEqual(expect.any(String));
    });

    it.each([
      [{ email: 'nope' }, 'email'],
      [{ email: CANARY.email, phone: '555' }, 'phone'],
      [{ email: CANARY.email, language: 'xx' }, 'language'],
      [{ email: CANARY.email, avatar_url: 'javascript:alert(1)' }, 'avatar_url'],
      [{ email: CANARY.email, unknown: 1 }, 'unknown'],
      [
        { email: CANARY.email, http_action_overrides: { headers: { 'X-A': 'a\r\nb' } } },
        'http_action_overrides.headers',
      ],
      [{ email: CANARY.email, customData: { a: { constructor: 'x' } } }, 'customData.a.constructor'],
    ])('answers 400 naming the bad field for %j, and calls nobody', async (body, field) => {
      const response = await asService(body).expect(400);
      expect(response.body.fields.map((f: { field: string }) => f.field)).toContain(field);
      expect(h.fake.requests).toHaveLength(0);
    });

    it('answers 400 for invalid JSON without quoting the body', async () => {
      const response = await request(server())
        .post(AUTH)
        .set('x-api-key', CANARY.serviceKey)
        .set('content-type', 'application/json')
        .send(`{"email":"${CANARY.email}",`)
        .expect(400);
      expect(JSON.stringify(response.body)).not.toContain(CANARY.email);
      expect(response.body.fields[0].field).toBe('(body)');
    });

    it('answers 413 past the body limit', async () => {
      await asService({ email: CANARY.email, chat_context: 'x'.repeat(100_000) }).expect(413);
      expect(h.fake.requests).toHaveLength(0);
    });
  });

  describe('POST /v1/me/opencx-token (Bearer JWT)', () => {
    it("uses the identity from the token's claims", async () => {
      const response = await request(server())
        .post(ME)
        .set('authorization', `Bearer ${h.userToken()}`)
        .send({ language: 'fr', chat_context: 'on the pricing page' })
        .expect(201);
      expect(response.body.contact.id).toBe(h.fake.contactIdFor(CANARY.email));
      expect(JSON.parse(h.fake.requests[0]!.rawBody)).toEqual({
        language: 'fr',
        chat_context: 'on the pricing page',
        email: CANARY.email,
        name: 'Canary Person',
      });
    });

    it.each([['email'], ['name'], ['customData'], ['http_action_overrides'], ['phone']])(
      'refuses an identity or trusted field (%s) in the body: no impersonation',
      async (field) => {
        const response = await request(server())
          .post(ME)
          .set('authorization', `Bearer ${h.userToken()}`)
          .send({ [field]: field === 'email' ? 'victim@example.com' : { x: 1 } })
          .expect(400);
        expect(response.body.fields.map((f: { field: string }) => f.field)).toContain(field);
        expect(h.fake.requests).toHaveLength(0);
      },
    );

    const now = Math.floor(Date.now() / 1000);

    it.each([
      ['no token', () => undefined],
      ['expired', () => h.userToken(undefined, { expiresIn: -10 })],
      ['not yet valid', () => h.userToken(undefined, { notBefore: 3600 })],
      [
        'signed with another key',
        () => h.userToken(undefined, { secret: 'another_secret_0123456789abcdef0123456789' }),
      ],
      ['alg none', () => forge({ alg: 'none', typ: 'JWT' }, { email: CANARY.email, exp: now + 60 }, '')],
      ['alg none with a signature', () => forge({ alg: 'none', typ: 'JWT' }, { email: CANARY.email, exp: now + 60 })],
      ['no email claim', () => h.userToken({ sub: 'user-1' })],
      ['garbage', () => 'not.a.jwt'],
      ['no exp claim', () => forgeSigned({ email: CANARY.email, ...SAMPLE_JWT_CLAIMS })],
      ['another issuer', () => h.userToken(undefined, { issuer: 'https://evil.example' })],
      ['another audience', () => h.userToken(undefined, { audience: 'another-app' })],
      ['no issuer or audience', () => forgeSigned({ email: CANARY.email, exp: now + 60 })],
      [
        'an unknown critical header',
        () => forgeSigned({ email: CANARY.email, exp: now + 60, ...SAMPLE_JWT_CLAIMS }, { crit: ['x-unknown'] }),
      ],
      ['an unverified email', () => h.userToken({ sub: 'u', email: CANARY.email, email_verified: false })],
      [
        'email_verified as the string "false"',
        () => h.userToken({ sub: 'u', email: CANARY.email, email_verified: 'false' }),
      ],
      [
        'email_verified as the string "true"',
        () => h.userToken({ sub: 'u', email: CANARY.email, email_verified: 'true' }),
      ],
      ['no email_verified claim', () => h.userToken({ sub: 'u', email: CANARY.email })],
    ])('refuses %s with the same bare 401', async (_label, token) => {
      const value = token();
      const req = request(server()).post(ME);
      if (value !== undefined) req.set('authorization', `Bearer ${value}`);
      const response = await req.send({}).expect(401);
      expect(response.body).toEqual(UNAUTHORIZED);
      expect(h.fake.requests).toHaveLength(0);
    });
  });

  describe('upstream error mapping (retryAfter: true)', () => {
    it.each([
      ['OpenCX refusing our key', () => h.fake.failNext(1, 401), 502],
      ['OpenCX 403', () => h.fake.failNext(1, 403), 502],
      ['OpenCX 5xx past the retries', () => h.fake.failNext(3, 500), 502],
      ['OpenCX 400', () => h.fake.failNext(1, 400), 502],
      // One more drop than the retries: the first, on a kept-alive connection, is resent once for free.
      ['a dropped connection', () => h.fake.dropNext(4), 502],
      ['a non-JSON 200', () => h.fake.malformedNext(1), 502],
      ['a timeout', () => h.fake.hangNext(3), 504],
    ])('%s answers with its status and a generic body', async (_label, script, status) => {
      script();
      const response = await asService({ email: CANARY.email }).expect(status);
      expect(Object.keys(response.body).toSorted()).toEqual(['error', 'message', 'statusCode']);
      expect(JSON.stringify(response.body)).not.toMatch(/Scripted|<html>|stack|Bearer/);
    });

    it('answers an upstream 429 as 503 with Retry-After', async () => {
      h.fake.failNext(3, 429, { retryAfter: 120 });
      const response = await asService({ email: CANARY.email }).expect(503);
      expect(response.headers['retry-after']).toBe('120');
      expect(response.body).toMatchObject({ statusCode: 503, retryAfter: 120 });
      expect(h.fake.requests).toHaveLength(1);
    });

    it("logs an upstream failure for the operator by class and status only, never the upstream's text", async () => {
      const echo = `key ${CANARY.orgApiKey} for ${CANARY.email}, forged\n[Nest] 1 - ERROR line`;
      h.fake.failNext(3, 500, { body: { statusCode: 500, message: echo } });
      await asService({ email: CANARY.email }).expect(502);
      // Once a minute per kind of answer: an earlier test's 502 may have written it.
      expect(h.lines.some((l) => l.includes('"level":"warn"') && l.includes('OpenCxApiError answered as 502'))).toBe(
        true,
      );
      const all = h.lines.join('\n');
      for (const secret of ['forged', 'ERROR line', CANARY.orgApiKey, CANARY.email]) expect(all).not.toContain(secret);
    });

    it('logs upstream credential refusal as an error for the operator', async () => {
      h.fake.failNext(1, 401);
      await asService({ email: CANARY.email }).expect(502);
      expect(
        h.lines.some((l) => l.includes('"level":"error"') && l.includes("refused the organisation's API key")),
      ).toBe(true);
    });
  });

  describe('operations', () => {
    it('serves liveness and readiness', async () => {
      await request(server()).get('/health').expect(200, { status: 'ok', info: {}, error: {}, details: {} });
      // Readiness answers from the last exchange with OpenCX: earlier tests scripted failures.
      await asService({ email: 'ready@example.com' }).expect(201);
      const ready = await request(server()).get('/health/ready').expect(200);
      expect(ready.body.details.heap.status).toBe('up');
      expect(ready.body.details.opencx).toMatchObject({ status: 'up', apiKeyAccepted: true, source: 'traffic' });
    });

    it('reports not ready when OpenCX refuses the organisation key, without printing it', async () => {
      const refused = await startSampleApp({ OPENCX_API_KEY: 'sk_refused_readiness_canary' }, { fake: h.fake });
      try {
        const ready = await request(refused.url).get('/health/ready').expect(503);
        expect(ready.body.details.opencx).toMatchObject({ status: 'down', apiKeyAccepted: false, httpStatus: 401 });
        expect(JSON.stringify(ready.body)).not.toContain('sk_refused_readiness_canary');
        expect(refused.lines.join('\n')).not.toContain('sk_refused_readiness_canary');
      } finally {
        await refused.close();
      }
    }, 20_000);

    it('sets helmet headers and no CORS header by default', async () => {
      const response = await request(server()).get('/health').set('origin', 'https://evil.example');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    });

    it("answers tokens with no-store, and everything with helmet's published defaults", async () => {
      const api = await asService({ email: 'headers@example.com' }).expect(201);
      expect(api.headers['cache-control']).toBe('no-store');
      expect(api.headers['content-security-policy']).toContain("default-src 'self'");
      expect(api.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(api.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(api.headers['x-powered-by']).toBeUndefined();
      const docs = await request(server()).get('/docs/').expect(200);
      expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
      expect(docs.headers['cache-control']).not.toBe('no-store');
    });

    it('logs one JSON line per request with method, route, status, duration and request id', async () => {
      await asService({ email: CANARY.email }).set('x-request-id', 'req-e2e-1').expect(201);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const line = h.lines.map((l) => JSON.parse(l)).find((l) => l.message?.requestId === 'req-e2e-1');
      expect(line.message).toEqual({
        msg: 'request',
        method: 'POST',
        route: AUTH,
        status: 201,
        durationMs: expect.any(Number),
        requestId: 'req-e2e-1',
      });
    });

    it('never logs a canary secret or PII', () => {
      const everything = h.lines.join('\n');
      expect(h.lines.length).toBeGreaterThan(20);
      for (const canary of Object.values(CANARY)) expect(everything).not.toContain(canary);
    });
  });

  describe('OpenAPI document', () => {
    let doc: {
      components: {
        securitySchemes: Record<string, unknown>;
        schemas: Record<string, { properties: Record<string, { enum?: string[]; description?: string }> }>;
      };
      paths: Record<string, Record<'post' | 'delete', { responses: Record<string, unknown>; security: unknown[] }>>;
    };
    beforeAll(async () => {
      doc = (await request(server()).get('/docs-json').expect(200)).body;
    });

    it('declares both security schemes', () => {
      expect(doc.components.securitySchemes['api-key']).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: 'x-api-key',
      });
      expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.paths[AUTH]!.post.security).toEqual([{ 'api-key': [] }]);
      expect(doc.paths[ME]!.post.security).toEqual([{ bearer: [] }]);
    });

    it('documents every spec field with its description, and the 56-language enum', () => {
      const dto = doc.components.schemas.AuthenticateUserDto!.properties;
      expect(Object.keys(dto).toSorted()).toEqual([...SPEC_FIELDS].toSorted());
      expect(dto.email!.description).toBe('The email of the user to authenticate');
      const overrides = doc.components.schemas.HttpActionOverridesDto!.properties;
      expect(Object.keys(overrides).toSorted()).toEqual(['body_params', 'headers', 'path_params', 'query_params']);
      expect(JSON.stringify(doc.components.schemas)).toContain('"OpenCxLanguage"');
      const languageEnum = (doc.components.schemas as Record<string, { enum?: string[] }>).OpenCxLanguage?.enum;
      expect(languageEnum).toHaveLength(56);
    });

    it('documents the erasure endpoint behind the service key', () => {
      const erase = doc.paths['/v1/contacts/{contactId}']!.delete;
      expect(erase.security).toEqual([{ 'api-key': [] }]);
      expect(Object.keys(erase.responses)).toEqual(expect.arrayContaining(['204', '401', '502']));
    });

    it.each([AUTH, ME])('lists every response of %s with a body schema', (path) => {
      const responses = doc.paths[path]!.post.responses;
      for (const status of ['201', '400', '401', '413', '429', '502', '503', '504']) {
        expect(responses[status]).toHaveProperty('content.application/json.schema');
      }
    });

    it('gives every error response an example with its own status code, and each a message of its own', () => {
      const checked: string[] = [];
      const messages = new Set<string>();
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [code, response] of Object.entries((item.post ?? {}).responses ?? {})) {
          if (!code.startsWith('4') && !code.startsWith('5')) continue;
          const example = (
            response as { content?: Record<string, { example?: { statusCode?: number; message?: unknown } }> }
          ).content?.['application/json']?.example;
          expect([path, code, example?.statusCode]).toEqual([path, code, Number(code)]);
          messages.add(JSON.stringify(example?.message));
          checked.push(`${path} ${code}`);
        }
      }
      expect(checked.length).toBeGreaterThanOrEqual(14);
      expect(messages.size).toBe(7);
    });

    it("shows a UUID as the success example's contact id", () => {
      const contact = (doc.components.schemas as Record<string, { properties: Record<string, { example?: string }> }>)
        .OpenCxContactDto!.properties.id!;
      expect(contact.example).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });
  });
});

describe('sample app start-up', () => {
  it('refuses to start without OPENCX_API_KEY, naming it, without a stack trace', async () => {
    const env = sampleEnv({ url: 'http://127.0.0.1:9' });
    delete env.OPENCX_API_KEY;
    const app = spawnSampleApp(env);
    expect(await app.exited).toBe(1);
    expect(app.lines.join('\n')).toContain('OPENCX_API_KEY is required');
    expect(app.lines.join('\n')).not.toMatch(/\bat .*\.js:\d+/);
  }, 20_000);
});

describe('sample app throttling', () => {
  it('answers 429 to an address past AUTH_FAILURE_LIMIT failed authentications, whatever it presents next', async () => {
    const h = await startSampleApp({ AUTH_FAILURE_LIMIT: '3' });
    const call = (key: string) => request(h.url).post(AUTH).set('x-api-key', key).send({ email: CANARY.email });
    for (let i = 0; i < 3; i++) await call(`wrong_key_${i}_0000000000000`).expect(401);
    await call('wrong_key_x_0000000000000').expect(429);
    // Blocked: even the right key gets 429, so guessing cannot go on at line speed.
    const blocked = await call(CANARY.serviceKey);
    expect(blocked.status).toBe(429);
    await h.close();
  }, 20_000);

  it('answers 429 with Retry-After past the per-caller limit, counting each caller separately', async () => {
    const h = await startSampleApp({ THROTTLE_LIMIT: '3' });
    const call = (key: string) => request(h.url).post(AUTH).set('x-api-key', key).send({ email: CANARY.email });
    for (let i = 0; i < 3; i++) await call(CANARY.serviceKey).expect(201);
    const limited = await call(CANARY.serviceKey).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await call('other_service_key_0000000000').expect(201);
    await h.close();
  }, 20_000);
});

describe('sample app API docs', () => {
  it.each<{ label: string; env: Record<string, string>; status: number }>([
    { label: 'in production', env: { NODE_ENV: 'production' }, status: 404 },
    { label: 'in production with API_DOCS=true', env: { NODE_ENV: 'production', API_DOCS: 'true' }, status: 200 },
    { label: 'outside production with API_DOCS=false', env: { API_DOCS: 'false' }, status: 404 },
    { label: 'outside production', env: {}, status: 200 },
  ])(
    '$label: /docs and /docs-json answer $status',
    async ({ env, status }) => {
      const h = await startSampleApp(env);
      try {
        expect((await request(h.url).get('/docs/')).status).toBe(status);
        expect((await request(h.url).get('/docs-json')).status).toBe(status);
      } finally {
        await h.close();
      }
    },
    30_000,
  );

  it('refuses an API_DOCS that is neither true nor false, naming it', async () => {
    const fake = await createOpenCxFakeServer({ apiKey: CANARY.orgApiKey });
    const app = spawnSampleApp(sampleEnv(fake, { API_DOCS: 'yes' }));
    let timer: NodeJS.Timeout | undefined;
    try {
      const started = new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still running')));
      expect(await Promise.race([app.exited, started])).toBe(1);
      expect(app.lines.join('\n')).toContain('API_DOCS must be true or false');
    } finally {
      // An app that started instead must not outlive the test.
      clearTimeout(timer);
      app.child.kill('SIGKILL');
      await fake.close();
    }
  }, 15_000);
});
