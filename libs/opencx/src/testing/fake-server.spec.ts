import { createOpenCxFakeServer } from './fake-server.js';
import type { OpenCxFakeServer } from './fake-server.interface.js';

const KEY = 'sk_fake_key';

async function post(
  server: OpenCxFakeServer,
  body: unknown,
  key: string | null = KEY,
  path = '/widget/authenticate-user',
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

interface Claims {
  sub: { type: string; payload: { org_id: string; contact: { id: string; verified: boolean } } };
  iat: number;
  exp?: number;
  iss?: string;
}

function claims(token: string): Claims {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('createOpenCxFakeServer', () => {
  let server: OpenCxFakeServer;
  beforeEach(async () => {
    server = await createOpenCxFakeServer({ apiKey: KEY, tokenTtlSeconds: 120 });
  }, 30_000);
  afterEach(() => server?.close());

  it("answers 200 with an HS256 JWT shaped like OpenCX's, and a UUID contact id stable per email and organisation", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await post(server, { email: 'A@example.com' });
    const second = await post(server, { email: 'a@example.com', name: 'A' });
    expect(first.status).toBe(200);
    const id = (first.json.contact as { id: string }).id;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((second.json.contact as { id: string }).id).toBe(id);
    expect(id).toBe(server.contactIdFor('a@example.com'));
    const header = JSON.parse(Buffer.from((first.json.token as string).split('.')[0]!, 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { sub, iat, exp, iss } = claims(first.json.token as string);
    expect(sub).toEqual({
      type: 'widget-contact',
      payload: { org_id: expect.any(String), contact: { id, verified: true } },
    });
    expect(iss).toBeUndefined();
    expect((exp ?? 0) - iat).toBe(120);
  });

  it('gives the same email another id in another organisation, answers 201 when asked, and 403 in its scope mode', async () => {
    const other = await createOpenCxFakeServer({ successStatus: 201 });
    const inA = await post(other, { email: 'a@example.com' }, 'sk_org_a');
    const inB = await post(other, { email: 'a@example.com' }, 'sk_org_b');
    expect(inA.status).toBe(201);
    expect((inA.json.contact as { id: string }).id).not.toBe((inB.json.contact as { id: string }).id);
    expect((inA.json.contact as { id: string }).id).toBe(other.contactIdFor('a@example.com', 'sk_org_a'));
    await other.close();
    const scoped = await createOpenCxFakeServer({ apiKey: KEY, forbidden: true });
    expect((await post(scoped, { email: 'a@example.com' })).status).toBe(403);
    await scoped.close();
  });

  it('answers 401 ErrorDto for a missing or wrong key, 400 for a bad body, 404 elsewhere', async () => {
    expect((await post(server, { email: 'a@example.com' }, null)).json).toEqual({
      statusCode: 401,
      message: 'Unauthorized',
      error: 'Unauthorized',
    });
    expect((await post(server, { email: 'a@example.com' }, 'sk_other')).status).toBe(401);
    expect((await post(server, { name: 'no email' })).status).toBe(400);
    expect((await post(server, { email: 'a@example.com', extra: 1 })).json.message).toEqual([
      'property extra should not exist',
    ]);
    expect((await post(server, 'not json')).status).toBe(400);
    expect((await post(server, { email: 'a@example.com' }, KEY, '/other')).status).toBe(404);
  });

  it('accepts any key when none is configured', async () => {
    const open = await createOpenCxFakeServer();
    expect((await post(open, { email: 'a@example.com' }, 'anything')).status).toBe(200);
    expect((await post(open, { email: 'a@example.com' }, null)).status).toBe(401);
    await open.close();
  });

  it('records every request in order', async () => {
    await post(server, { email: 'one@example.com' });
    await post(server, { email: 'two@example.com' });
    expect(server.requests.map((r) => (r.body as { email: string }).email)).toEqual([
      'one@example.com',
      'two@example.com',
    ]);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('fails the next N calls with a status and Retry-After, then recovers', async () => {
    server.failNext(2, 503, { retryAfter: 7 });
    const a = await post(server, { email: 'a@example.com' });
    const b = await post(server, { email: 'a@example.com' });
    const c = await post(server, { email: 'a@example.com' });
    expect([a.status, b.status, c.status]).toEqual([503, 503, 200]);
    expect(a.headers.get('retry-after')).toBe('7');
    expect(server.statusCounts).toEqual({ 503: 2, 200: 1 });
  });

  it('fails a random share of requests when told to', async () => {
    server.setFailureRate(1, 502);
    expect((await post(server, { email: 'a@example.com' })).status).toBe(502);
    server.setFailureRate(0);
    expect((await post(server, { email: 'a@example.com' })).status).toBe(200);
  });

  it('enforces a per-minute limit with 429 and Retry-After', async () => {
    server.setRateLimit(2);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push(await post(server, { email: 'a@example.com' }));
    expect(statuses.map((s) => s.status)).toEqual([200, 200, 429]);
    expect(Number(statuses[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers malformed JSON, delays, and drops connections on demand', async () => {
    server.malformedNext(1);
    const response = await fetch(`${server.url}/widget/authenticate-user`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow();

    server.delayNext(1, 100);
    const started = Date.now();
    await post(server, { email: 'a@example.com' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);

    server.dropNext(1);
    await expect(post(server, { email: 'a@example.com' })).rejects.toThrow();
  });

  it('closes even with a hanging request open', async () => {
    server.hangNext(1);
    const pending = post(server, { email: 'a@example.com' }).catch((e: unknown) => e);
    await server.nextRequest();
    await server.close();
    // fetch's TypeError comes from Node's realm, not the test's: check its shape, not its class.
    expect(await pending).toHaveProperty('message', 'fetch failed');
    await expect(server.close()).resolves.toBeUndefined();
  });

  describe('as OpenCX documents it, with its assumptions as options', () => {
    let own: OpenCxFakeServer;
    afterEach(() => own.close());

    it('mints chat-only tokens without exp, mcp_access ones for an hour with mcp_access in sub.payload', async () => {
      own = await createOpenCxFakeServer({ apiKey: KEY });
      const chat = claims(String((await post(own, { email: 'a@example.com' })).json.token));
      expect(chat.exp).toBeUndefined();
      const mcp = { server_ids: ['crm'], account_id: 'acct_1' };
      const scoped = claims(String((await post(own, { email: 'a@example.com', mcp_access: mcp })).json.token));
      expect(scoped.exp! - scoped.iat).toBe(3600);
      expect((scoped.sub.payload as { mcp_access?: unknown }).mcp_access).toEqual(mcp);
    });

    it('answers the documented 401 body exactly, and 400s as NestJS words them (types, the language enum)', async () => {
      own = await createOpenCxFakeServer({ apiKey: KEY });
      expect((await post(own, { email: 'a@example.com' }, 'sk_wrong')).json).toEqual({
        statusCode: 401,
        message: 'Unauthorized',
        error: 'Unauthorized',
      });
      const bad = await post(own, {
        email: 'a@example.com',
        language: 'xx',
        name: 7,
        mcp_access: { server_ids: [1] },
      });
      expect(bad.status).toBe(400);
      expect(bad.json.message).toEqual([
        'name must be a string',
        expect.stringMatching(/^language must be one of the following values: en, fr/),
        'mcp_access.server_ids must be an array of strings',
      ]);
    });

    it('makes each undocumented behaviour an option: unknown fields, check order, Retry-After on 429', async () => {
      own = await createOpenCxFakeServer({
        apiKey: KEY,
        refuseUnknownFields: false,
        validateBodyFirst: true,
        rateLimitPerMinute: 2,
        rateLimitRetryAfter: false,
      });
      expect((await post(own, { email: 'a@example.com', future: 1 })).status).toBe(200);
      expect((await post(own, { name: 'no email' }, 'sk_wrong')).status).toBe(400);
      await post(own, { email: 'b@example.com' });
      const limited = await post(own, { email: 'c@example.com' });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBeNull();
    });

    it('erases a contact: DELETE /contacts/{id}, 404 for one it does not know, its tokens refused after', async () => {
      own = await createOpenCxFakeServer({ apiKey: KEY });
      const { token, contact } = (await post(own, { email: 'gone@example.com' })).json as {
        token: string;
        contact: { id: string };
      };
      const erase = (id: string) =>
        fetch(`${own.url}/contacts/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${KEY}` } });
      expect(own.tokenAccepted(token)).toBe(true);
      expect((await erase(contact.id)).status).toBe(200);
      expect(own.tokenAccepted(token)).toBe(false);
      expect((await erase(contact.id)).status).toBe(404);
      const again = (await post(own, { email: 'gone@example.com' })).json as { contact: { id: string } };
      expect(again.contact.id).not.toBe(contact.id);
    });
  });
});
