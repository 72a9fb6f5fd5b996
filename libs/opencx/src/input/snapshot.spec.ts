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

  it('refuses absurd nesting as the body, not with a stack overflow', () => {
    expect(errorsOf(nestedObject(50_001))).toEqual([{ field: '(body)', messages: ['the input is nested too deeply'] }]);
  });
});
