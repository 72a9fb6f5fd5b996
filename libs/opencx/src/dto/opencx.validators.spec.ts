import { runInNewContext } from 'node:vm';
import { validateSync } from 'class-validator';
import { IsScalarRecord, forbiddenKey, isPlainObject, jsonObjectProblem } from './opencx.validators.js';

describe('isPlainObject', () => {
  class Instance {
    a = 1;
  }
  it.each([
    ['an object literal', { a: 1 }],
    ['an object without a prototype', Object.create(null) as object],
    ["another realm's object literal", runInNewContext('({ a: 1 })') as object],
    ['a structured clone', structuredClone({ a: { b: 1 } })],
  ])('takes %s', (_label, value) => {
    expect(isPlainObject(value)).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'x'],
    ['a function', () => undefined],
    ['an array', [1]],
    ['a class instance', new Instance()],
    ['a date', new Date(0)],
    ['an object inheriting from another', Object.create({ inherited: true }) as object],
    ['an object that says it is something else', { [Symbol.toStringTag]: 'Map' }],
  ])('refuses %s', (_label, value) => {
    expect(isPlainObject(value)).toBe(false);
  });
});

describe('forbiddenKey', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('finds %s', (key) => {
    expect(forbiddenKey(JSON.parse(`{"ok":1,"${key}":{}}`) as Record<string, unknown>)).toBe(key);
  });

  it('finds none in ordinary keys', () => {
    expect(forbiddenKey({ proto: 1, constructors: 2, __proto: 3 })).toBeUndefined();
  });
});

describe('jsonObjectProblem', () => {
  const limits = { maxBytes: 64, maxDepth: 3 };
  it.each([
    [{ a: 'x', b: [1, true, null, { c: 'y' }] }, undefined],
    [[1], 'must be a plain JSON object'],
    [{ a: [1, Number.NaN] }, 'must hold only finite numbers'],
    [{ a: [1, [2, { b: Number.POSITIVE_INFINITY }]] }, 'must be nested at most 3 levels deep'],
    [{ a: [[{ b: 1 }]] }, 'must be nested at most 3 levels deep'],
    [{ a: [[1]] }, undefined],
    [{ a: [[1, Number.NaN]] }, 'must hold only finite numbers'],
    [{ a: { b: new Date(0) } }, 'must hold only JSON values (string, number, boolean, null, array, object)'],
    [
      { a: 1, b: { c: 2, d: new Date(0) } },
      'must hold only JSON values (string, number, boolean, null, array, object)',
    ],
    [JSON.parse('{"a":{"__proto__":{"x":1}}}') as object, 'must not use the key "__proto__"'],
    // {"a":""} is 8 bytes: with 56 more it is exactly the limit.
    [{ a: 'x'.repeat(56) }, undefined],
    [{ a: 'x'.repeat(57) }, 'must be at most 64 bytes as JSON'],
    // Bytes, not characters: 30 "é" are 60 bytes in UTF-8.
    [{ a: 'é'.repeat(30) }, 'must be at most 64 bytes as JSON'],
  ])('%j: %s', (value, problem) => {
    expect(jsonObjectProblem(value, limits)).toBe(problem);
  });
});

describe('IsScalarRecord', () => {
  class Overrides {
    @IsScalarRecord({ maxKeys: 2, maxKeyLength: 3, maxValueLength: 4 })
    headers: unknown;
  }
  const problemOf = (headers: unknown): string | undefined =>
    validateSync(Object.assign(new Overrides(), { headers }))[0]?.constraints?.isScalarRecord;

  it.each([
    [{ a: '1234', b: true }, undefined],
    [{ abc: 1234 }, undefined],
    [['a'], 'headers must be an object of key/value pairs'],
    [{ a: '1', b: '2', c: '3' }, 'headers must have at most 2 keys'],
    [{ constructor: 'x' }, 'headers must not use the key "constructor"'],
    [{ '': 'x' }, 'headers keys must be 1 to 3 characters'],
    [{ abcd: 'x' }, 'headers keys must be 1 to 3 characters'],
    [{ a: Number.POSITIVE_INFINITY }, 'headers values must be finite numbers'],
    [{ a: null }, 'headers values must be strings, numbers or booleans'],
    [{ a: { b: 1 } }, 'headers values must be strings, numbers or booleans'],
    [{ a: '12345' }, 'headers values must be at most 4 characters'],
    [{ a: 12_345 }, 'headers values must be at most 4 characters'],
  ])('%j: %s', (headers, problem) => {
    expect(problemOf(headers)).toBe(problem);
  });
});
