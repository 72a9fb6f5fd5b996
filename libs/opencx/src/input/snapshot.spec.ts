import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { snapshot } from './snapshot.js';
import { nestedObject } from '../../test/nested-object.js';

/** The errors of the OpenCxValidationError `snapshot` throws for this input. */
function errorsOf(input: unknown): unknown {
  try {
    snapshot(input, undefined);
    return 'accepted';
  } catch (error) {
    return error instanceof OpenCxValidationError ? error.errors : error;
  }
}

describe('snapshot', () => {
  it('copies plain data, reading each getter once and dropping prototypes', () => {
    let reads = 0;
    const input = {
      get email() {
        reads++;
        return 'a@example.com';
      },
    };
    const copy = snapshot(input, { extra: [1] });
    expect(copy).toEqual({ input: { email: 'a@example.com' }, extraFields: { extra: [1] } });
    expect(reads).toBe(1);
    expect(Object.getOwnPropertyDescriptor(copy.input, 'email')).toHaveProperty('value');
  });

  it.each([
    ['a function', { email: 'a@example.com', name: () => 'x' }],
    ['a symbol', { email: 'a@example.com', name: Symbol('x') }],
    ['a proxy', new Proxy({ email: 'a@example.com' }, {})],
  ])('refuses %s as the body', (_label, input) => {
    expect(errorsOf(input)).toEqual([
      { field: '(body)', messages: ['the input must be plain data (no functions, symbols or proxies)'] },
    ]);
  });

  it('copies nested values as a clone would, each read once, and a DTO instance by its own fields', () => {
    let reads = 0;
    const customData = { tier: 'gold', list: [1, { deep: true }] };
    const input = {
      email: 'a@example.com',
      customData,
      get name() {
        reads++;
        return 'Ada';
      },
    };
    const copy = snapshot(input, undefined);
    expect(copy.input).toEqual({ email: 'a@example.com', customData, name: 'Ada' });
    expect((copy.input as { customData: unknown }).customData).not.toBe(customData);
    expect(reads).toBe(1);
    class Dto {
      email = 'b@example.com';
    }
    expect(snapshot(new Dto(), { extra: 1 })).toEqual({ input: { email: 'b@example.com' }, extraFields: { extra: 1 } });
    expect(snapshot(new Dto(), undefined).input).not.toBeInstanceOf(Dto);
  });

  it('keeps a "__proto__" key a key, never a prototype', () => {
    const copy = snapshot(JSON.parse('{"email":"a@example.com","__proto__":{"polluted":true}}'), undefined);
    expect(Object.keys(copy.input as object)).toEqual(['email', '__proto__']);
    expect(Object.getPrototypeOf(copy.input)).toBe(Object.prototype);
    expect((copy.input as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it.each([
    ['a function nested in customData', { email: 'a@example.com', customData: { f: () => 1 } }],
    ['a proxy nested in customData', { email: 'a@example.com', customData: new Proxy({}, {}) }],
    [
      'a getter that throws',
      {
        email: 'a@example.com',
        get name(): string {
          throw new TypeError('no');
        },
      },
    ],
  ])('refuses %s as the body', (_label, input) => {
    expect(errorsOf(input)).toEqual([
      { field: '(body)', messages: ['the input must be plain data (no functions, symbols or proxies)'] },
    ]);
  });

  it('refuses absurd nesting as the body, not with a stack overflow', () => {
    expect(errorsOf(nestedObject(50_001))).toEqual([{ field: '(body)', messages: ['the input is nested too deeply'] }]);
    expect(errorsOf({ email: 'a@example.com', customData: nestedObject(50_001) })).toEqual([
      { field: '(body)', messages: ['the input is nested too deeply'] },
    ]);
  });
});
