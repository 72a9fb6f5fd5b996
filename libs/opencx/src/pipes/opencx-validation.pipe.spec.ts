import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { OpenCxValidationPipe } from './opencx-validation.pipe.js';
import { nestedObject } from '../../test/nested-object.js';

const pipe = new OpenCxValidationPipe();
const asBody = (value: unknown) => pipe.transform(value, { type: 'body', metatype: AuthenticateUserDto });

/** The field the pipe's 400 names, or 'accepted'. */
async function fieldOf(value: unknown): Promise<string> {
  try {
    await asBody(value);
    return 'accepted';
  } catch (error) {
    return error instanceof OpenCxValidationError ? (error.errors[0]?.field ?? '') : `unexpected ${String(error)}`;
  }
}

/** The errors of the pipe's OpenCxValidationError, or 'accepted'. */
const errorsOf = (value: unknown): Promise<unknown> =>
  asBody(value).then(
    () => 'accepted',
    (error: OpenCxValidationError) => error.errors,
  );

describe('OpenCxValidationPipe (the stock ValidationPipe, as the DTOs need it)', () => {
  it('turns a valid body into the DTO, and refuses a typo naming it', async () => {
    await expect(asBody({ email: 'a@example.com' })).resolves.toBeInstanceOf(AuthenticateUserDto);
    expect(await fieldOf({ email: 'a@example.com', avatarUrl: 'x' })).toBe('avatarUrl');
  });

  it('answers 400 naming the field for a prototype key the stock pipe would drop without a word', async () => {
    expect(await fieldOf(JSON.parse('{"email":"a@example.com","customData":{"constructor":{"x":1}}}'))).toBe(
      'customData.constructor',
    );
    expect(await fieldOf(JSON.parse('{"email":"a@example.com","__proto__":{"x":1}}'))).toBe('__proto__');
  });

  it('keeps free-form keys named like Object.prototype methods, which a string conversion would call', async () => {
    const customData = JSON.parse('{"toString":false,"valueOf":1,"list":[{"toString":{}}]}') as object;
    const headers = JSON.parse('{"toString":"x","valueOf":"y"}') as object;
    const query_params = JSON.parse('{"toString":"1"}') as object;
    const dto = await asBody({ email: 'a@example.com', customData, http_action_overrides: { headers, query_params } });
    expect(dto).toMatchObject({ customData, http_action_overrides: { headers, query_params } });
    expect(await fieldOf({ email: 'a@example.com', customData: { toString: false }, name: 7 })).toBe('name');
  });

  it('answers 400, not a 500, for a body nested thousands of levels deep, and for a body that is not an object', async () => {
    expect(await fieldOf({ email: 'a@example.com', customData: nestedObject(5_001) })).toMatch(/^customData(\.a)+$/);
    expect(await fieldOf(Array.from({ length: 6_000 }, () => ({ a: 1 })))).toBe('(body)');
  });

  it('says what is wrong, naming the field', async () => {
    await expect(errorsOf('not an object')).resolves.toEqual([
      { field: '(body)', messages: ['the body must be a JSON object'] },
    ]);
    await expect(errorsOf(JSON.parse('{"email":"a@example.com","customData":{"a":{"prototype":1}}}'))).resolves.toEqual(
      [{ field: 'customData.a.prototype', messages: ['customData.a.prototype is not an allowed key'] }],
    );
    const deepest = `customData${'.a'.repeat(32)}`;
    await expect(errorsOf({ email: 'a@example.com', customData: nestedObject(33) })).resolves.toEqual([
      { field: deepest, messages: [`${deepest} is nested more than 32 levels deep`] },
    ]);
    const [atLimit] = (await errorsOf({ email: 'a@example.com', customData: nestedObject(32) })) as Array<{
      field: string;
    }>;
    expect(atLimit?.field).toBe('customData');
  });

  it('checks bodies only, and only those with a class to validate against', async () => {
    const prototypeKey = JSON.parse('{"__proto__":{"x":1}}') as object;
    await expect(pipe.transform(prototypeKey, { type: 'query', metatype: Object })).resolves.toBe(prototypeKey);
    await expect(pipe.transform(prototypeKey, { type: 'body' })).resolves.toBe(prototypeKey);
    await expect(pipe.transform(prototypeKey, { type: 'body', metatype: Object })).resolves.toBe(prototypeKey);
  });

  it('leaves other parameters to the stock pipe', async () => {
    await expect(pipe.transform('42', { type: 'param', metatype: String })).resolves.toBe('42');
  });
});

/** A getter or trap that throws, with a secret in its message that must never be shown. */
const boom = (): never => {
  throw new Error('boom sk_secret_in_a_getter');
};

describe('OpenCxValidationPipe, against input that throws or is huge', () => {
  it.each([
    [
      'a proxy as the body',
      new Proxy({ email: 'a@example.com' }, { ownKeys: boom, get: boom, getPrototypeOf: boom }),
      '(body)',
    ],
    [
      'a getter that throws',
      {
        email: 'a@example.com',
        get name() {
          return boom();
        },
      },
      'name',
    ],
    [
      'a getter deep in customData',
      {
        email: 'a@example.com',
        customData: {
          plan: {
            get tier() {
              return boom();
            },
          },
        },
      },
      'customData.plan.tier',
    ],
    [
      'a proxy in customData',
      { email: 'a@example.com', customData: { plan: new Proxy({}, { ownKeys: boom }) } },
      'customData.plan',
    ],
  ])('answers %s with OpenCxValidationError naming the field', async (_label, body, field) => {
    const caught: unknown = await asBody(body).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(caught).toBeInstanceOf(OpenCxValidationError);
    expect((caught as OpenCxValidationError).errors[0]?.field).toBe(field);
    expect((caught as Error).message).not.toContain('sk_secret');
  });

  it.each([
    [
      'a prototype key under a 60 KB key',
      (k: string) => `{"email":"a@example.com","customData":{"${k}":{"__proto__":{"x":1}}}}`,
    ],
    ['an unknown 60 KB key', (k: string) => `{"email":"a@example.com","${k}":1}`],
    [
      'a 60 KB key nested too deep',
      (k: string) => `{"email":"a@example.com","customData":{"${k}":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}}`,
    ],
    [
      'forty unknown 2 KB keys',
      (k: string) =>
        `{"email":"a@example.com",${Array.from({ length: 40 }, (_, i) => `"${i}${k.slice(0, 2048)}":1`).join(',')}}`,
    ],
  ])('answers %s with a small 400', async (_label, body) => {
    const caught = (await asBody(JSON.parse(body('k'.repeat(60_000)))).then(
      () => undefined,
      (error: unknown) => error,
    )) as OpenCxValidationError;
    expect(caught).toBeInstanceOf(OpenCxValidationError);
    expect(JSON.stringify(caught.getResponse()).length).toBeLessThan(8_192);
    expect(caught.message.length).toBeLessThan(8_192);
    expect(caught.errors[0]?.field.length).toBeLessThanOrEqual(200);
  });

  it.each([
    ['http_action_overrides', () => ({})],
    ['mcp_access', () => ({})],
    ['http_action_overrides', new Date(0)],
    ['mcp_access', new Map()],
  ])('refuses %s given as %p, naming it', async (field, value) => {
    expect(await fieldOf({ email: 'a@example.com', [field]: value })).toBe(field);
  });

  it('refuses a sparse server_ids naming it', async () => {
    // oxlint-disable-next-line no-sparse-arrays
    expect(await fieldOf({ email: 'a@example.com', mcp_access: { server_ids: [, 'crm'] } })).toBe(
      'mcp_access.server_ids',
    );
  });
});
