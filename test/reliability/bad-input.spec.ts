import * as fc from 'fast-check';
import { validateAuthenticateUser } from 'nestjs-opencx';
import { CANARY, SPEC_FIELDS, startSampleApp, type SampleHarness } from '../support/sample-app.js';
import { ReliabilityReport } from './report.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

const report = new ReliabilityReport('2-bad-input');
afterAll(() => report.write());

const AUTH = '/v1/contacts/authenticate';
const ME = '/v1/me/opencx-token';
/** A JSON object nested `levels` deep. */
const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const FIELDS = SPEC_FIELDS;

let h: SampleHarness;
let userJwt: string;
const statuses = new Map<number, number>();
const bodies: string[] = [];

beforeAll(async () => {
  h = await startSampleApp();
  userJwt = h.userToken();
}, HOOK_TIMEOUT_MS);
afterAll(() => h?.close());

async function send(
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  query = '',
): Promise<{ status: number; json: { fields?: { field: string }[]; token?: string } }> {
  const auth: Record<string, string> =
    path === AUTH ? { 'x-api-key': CANARY.serviceKey } : { authorization: `Bearer ${userJwt}` };
  const response = await fetch(`${h.url}${path}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body,
  });
  const text = await response.text();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  bodies.push(text);
  return { status: response.status, json: text ? JSON.parse(text) : {} };
}

/** Everything OpenCX received must pass the library's own rules: nothing invalid is forwarded. */
function expectOnlyValidBodiesForwarded(): void {
  for (const request of h.fake.authenticateRequests()) {
    expect(() => validateAuthenticateUser(request.body)).not.toThrow();
  }
}

/** The client-mistake contract: never 5xx, and a 400 always names at least one field. */
function expectClientMistakeContract(status: number, json: { fields?: { field: string }[] }): void {
  expect(status).toBeLessThan(500);
  expect([201, 400, 413]).toContain(status);
  expect(status !== 400 || (json.fields?.length ?? 0) > 0).toBe(true);
}

// Keys an object inherits (a JSON key can shadow them) as often as arbitrary ones.
const orInheritedName = (keys: fc.Arbitrary<string>) =>
  fc.oneof(keys, fc.constantFrom('toString', 'valueOf', 'constructor', 'hasOwnProperty'));
const jsonish = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(orInheritedName(fc.string()), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
);
const fieldValue = (field: string) =>
  ({
    email: fc.oneof(fc.emailAddress(), jsonish),
    name: fc.oneof(fc.string({ maxLength: 40 }), jsonish),
    avatar_url: fc.oneof(fc.webUrl(), fc.constant('javascript:alert(1)'), jsonish),
    phone: fc.oneof(fc.stringMatching(/^\+[1-9]\d{6,14}$/), jsonish),
    language: fc.oneof(fc.constantFrom('en', 'fr', 'cy', 'xx', 'EN'), jsonish),
    customData: fc.oneof(fc.jsonValue({ maxDepth: 4 }), jsonish),
    chat_context: fc.oneof(fc.string({ maxLength: 200 }), jsonish),
    http_action_overrides: fc.oneof(
      fc.record(
        {
          query_params: fc.dictionary(
            orInheritedName(fc.string({ minLength: 1 })),
            fc.oneof(fc.string(), fc.integer(), fc.boolean()),
          ),
          headers: fc.dictionary(orInheritedName(fc.string({ minLength: 1 })), fc.string()),
        },
        { requiredKeys: [] },
      ),
      jsonish,
    ),
    mcp_access: fc.oneof(
      fc.record(
        {
          server_ids: fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
          account_id: fc.string({ maxLength: 40 }),
        },
        { requiredKeys: [] },
      ),
      jsonish,
    ),
  })[field]!;
const bodyArbitrary = fc.tuple(
  fc.record(Object.fromEntries(FIELDS.map((f) => [f, fieldValue(f)])), { requiredKeys: [] }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  fc.boolean(),
);

describe('property-based bad input (fast-check)', () => {
  const row = report.section(
    'Bad input: property-based (fast-check)',
    'Arbitrary JSON bodies (every spec field with valid and wrong-typed values, plus unknown keys), headers and ' +
      'query strings against both endpoints. Each run checks: no 5xx, a 400 names a field, and OpenCX only ever ' +
      "received bodies that pass the library's own validation.",
  );

  it.each([AUTH, ME])('arbitrary JSON bodies to %s never cause a 5xx or an invalid upstream call', async (path) => {
    h.fake.reset();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(bodyArbitrary, async ([fields, extra, withExtra]) => {
        runs++;
        const body = path === ME ? { language: fields.language, chat_context: fields.chat_context } : fields;
        const { status, json } = await send(path, JSON.stringify(withExtra ? { ...body, ...extra } : body));
        expectClientMistakeContract(status, json);
      }),
      { numRuns: 150 },
    );
    expectOnlyValidBodiesForwarded();
    row({
      case: `arbitrary JSON bodies → ${path}`,
      runs,
      'upstream calls': h.fake.authenticateRequests().length,
      result: 'no 5xx; every 400 named a field',
    });
  });

  it('arbitrary headers and query strings never cause a 5xx', async () => {
    let runs = 0;
    const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,20}$/);
    const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(headerName, headerValue, { maxKeys: 4 }),
        fc.string({ maxLength: 60 }),
        fc.constantFrom(AUTH, ME),
        async (headers, query, path) => {
          runs++;
          const { status, json } = await send(
            path,
            JSON.stringify({ language: 'en' }),
            headers,
            `?${encodeURIComponent(query)}=${encodeURIComponent(query)}`,
          );
          expect(status).toBeLessThan(500);
          expect(status !== 400 || (json.fields?.length ?? 0) > 0).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
    row({
      case: 'arbitrary headers and query strings → both endpoints',
      runs,
      'upstream calls': '-',
      result: 'no 5xx',
    });
  });

  it('arbitrary x-api-key values other than the configured keys are always a bare 401', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\x21-\x7e]{0,64}$/), async (key) => {
        fc.pre(key !== CANARY.serviceKey && key !== 'other_service_key_0000000000');
        runs++;
        const response = await fetch(`${h.url}${AUTH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: JSON.stringify({ email: 'a@example.com' }),
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ message: 'Unauthorized', statusCode: 401 });
      }),
      { numRuns: 100 },
    );
    row({ case: 'arbitrary x-api-key values', runs, 'upstream calls': '-', result: 'always 401, same body' });
  });
});

describe('nasty cases, explicitly', () => {
  const row = report.section(
    'Bad input: explicit nasty cases',
    'Each body is sent raw to `POST /v1/contacts/authenticate` with a valid API key.',
  );
  const wrongTypes = FIELDS.flatMap((field) =>
    [123, true, [], 'str', { k: 'v' }].map((value) => ({
      name: `${field}: ${JSON.stringify(value)}`,
      body: JSON.stringify({ email: 'ok@example.com', [field]: value }),
    })),
  );
  const cases: { name: string; body: string | Buffer; type?: string }[] = [
    { name: 'top-level __proto__ key', body: '{"email":"a@example.com","__proto__":{"polluted":true}}' },
    {
      name: 'constructor.prototype key',
      body: '{"email":"a@example.com","constructor":{"prototype":{"polluted":true}}}',
    },
    { name: 'customData.__proto__', body: '{"email":"a@example.com","customData":{"__proto__":{"polluted":true}}}' },
    { name: 'customData nested constructor', body: '{"email":"a@example.com","customData":{"a":{"constructor":"x"}}}' },
    {
      name: 'a character from U+0080 up in a header override (some proxies turn it into CR/LF)',
      body: JSON.stringify({
        email: 'a@example.com',
        http_action_overrides: { headers: { 'X-A': 'v\u010d\u010aSet-Cookie: x=1' } },
      }),
    },
    {
      name: 'CR/LF in a header override',
      body: JSON.stringify({
        email: 'a@example.com',
        http_action_overrides: { headers: { 'X-A': 'v\r\nSet-Cookie: x=1' } },
      }),
    },
    {
      name: 'invalid header name in overrides',
      body: JSON.stringify({ email: 'a@example.com', http_action_overrides: { headers: { 'Bad Name': 'v' } } }),
    },
    { name: '1 MB string', body: JSON.stringify({ email: 'a@example.com', name: 'x'.repeat(1_048_576) }) },
    { name: 'customData nested 40 deep', body: `{"email":"a@example.com","customData":${deep(40)}}` },
    { name: 'customData nested 5000 deep', body: `{"email":"a@example.com","customData":${deep(5000)}}` },
    { name: 'unknown field', body: '{"email":"a@example.com","isAdmin":true}' },
    {
      name: 'invalid UTF-8 in a string',
      body: Buffer.concat([Buffer.from('{"email":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('@example.com"}')]),
    },
    { name: 'duplicate keys, last one invalid', body: '{"email":"a@example.com","email":"nope"}' },
    { name: 'duplicate keys, last one valid', body: '{"email":"nope","email":"a@example.com"}' },
    { name: 'JSON array', body: '[{"email":"a@example.com"}]' },
    { name: 'JSON string', body: '"a@example.com"' },
    { name: 'JSON null', body: 'null' },
    { name: 'empty body', body: '' },
    { name: 'truncated JSON', body: '{"email":"a@example.com"' },
    { name: 'text/plain body', body: 'email=a@example.com', type: 'text/plain' },
    ...wrongTypes,
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, nasty) => {
    h.fake.reset();
    const { status, json } = await send(AUTH, nasty.body, nasty.type ? { 'content-type': nasty.type } : {});
    let expected: number;
    try {
      const parsed: unknown = JSON.parse(Buffer.from(nasty.body).toString('utf8'));
      validateAuthenticateUser(parsed);
      expected = 201;
    } catch {
      expected = Buffer.byteLength(nasty.body) > 64 * 1024 ? 413 : 400;
    }
    if (nasty.type) expected = 400;
    row({ case: nasty.name, status, 'fields named': (json.fields ?? []).map((f) => f.field).join(', ') || '-' });
    expect(status).toBe(expected);
    expectClientMistakeContract(status, json);
    expectOnlyValidBodiesForwarded();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('after the onslaught', () => {
  it('the app is still healthy, logged no unhandled error, never answered 5xx, and leaked no canary', async () => {
    const health = await fetch(`${h.url}/health`);
    expect(health.status).toBe(200);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    const logs = h.lines.join('\n');
    expect(logs).not.toMatch(/Unhandled|uncaught|TypeError|RangeError/i);
    for (const canary of Object.values(CANARY).filter((c) => c !== CANARY.email)) {
      expect([logs, ...bodies].join('\n')).not.toContain(canary);
    }
    report.section(
      'Bad input: answers seen',
      `Status counts over every bad-input request above: ${[...statuses].map(([s, n]) => `${s} × ${n}`).join(', ')}.`,
    );
  });
});
