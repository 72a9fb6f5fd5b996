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
