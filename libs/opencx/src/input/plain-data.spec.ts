import { nestedObject } from '../../test/nested-object.js';
import { plainDataProblem } from './plain-data.js';

const boom = (): never => {
  throw new TypeError('boom');
};

describe('plainDataProblem', () => {
  it('finds nothing wrong with plain data, prototype keys included unless asked', () => {
    expect(plainDataProblem({ a: [1, { b: 'x' }], c: null })).toBeUndefined();
    expect(plainDataProblem(JSON.parse('{"a":{"__proto__":{"x":1}}}'))).toBeUndefined();
    expect(plainDataProblem(nestedObject(100))).toBeUndefined();
  });

  it('names a proxy, the value itself or inside, without running its traps', () => {
    const proxy = new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom });
    expect(plainDataProblem(proxy)).toEqual({ field: '', message: 'the input must be plain data, not a proxy' });
    expect(plainDataProblem({ a: { b: proxy } })).toEqual({
      field: 'a.b',
      message: 'a.b must be plain data, not a proxy',
    });
  });

  it('names a getter that throws, and an array with empty slots', () => {
    expect(plainDataProblem({ a: Object.defineProperty({}, 'b', { get: boom, enumerable: true }) })).toEqual({
      field: 'a.b',
      message: 'a.b could not be read (its getter failed)',
    });
    // oxlint-disable-next-line no-sparse-arrays
    expect(plainDataProblem({ ids: [, 'crm'] })).toEqual({ field: 'ids', message: 'ids must not have empty slots' });
  });

  it('refuses prototype keys and deep nesting when asked', () => {
    const checks = { prototypeKeys: true, maxDepth: 3 };
    expect(plainDataProblem(JSON.parse('{"a":{"constructor":1}}'), checks)).toEqual({
      field: 'a.constructor',
      message: 'a.constructor is not an allowed key',
    });
    expect(plainDataProblem(nestedObject(4), checks)).toBeUndefined();
    expect(plainDataProblem(nestedObject(5), checks)).toEqual({
      field: 'a.a.a.a',
      message: 'a.a.a.a is nested more than 3 levels deep',
    });
  });
});
