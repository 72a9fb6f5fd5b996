import * as fc from 'fast-check';
import { OpenCxError, OpenCxValidationError } from '../src/errors/opencx.errors.js';
import { nestedObject } from './nested-object.js';

// Every personal value the arbitraries make is remembered, by its runs of 8 characters: none may
// ever be printed (the scrubber's promise for personal values is about such runs).
const SECRET_RUN = 8;
const secretRuns = new Set<string>();
function remember(value: string): string {
  const lower = value.toLowerCase();
  for (let i = 0; i + SECRET_RUN <= lower.length; i++) secretRuns.add(lower.slice(i, i + SECRET_RUN));
  return value;
}
const INVISIBLE = /[\p{Cf}\p{Cc}\p{Mn}\p{Me}\p{Default_Ignorable_Code_Point}]/gu;

/** The first run of a remembered personal value that `text` shows (any case, invisible characters ignored). */
export function leakedSecret(text: string): string | undefined {
  const plain = text.replace(INVISIBLE, '').toLowerCase();
  for (let i = 0; i + SECRET_RUN <= plain.length; i++) {
    const run = plain.slice(i, i + SECRET_RUN);
    if (secretRuns.has(run)) return run;
  }
  return undefined;
}

/** A personal value: a mark and letters alternating with digits (no run of it is a word), remembered. */
export const secretWord = fc.stringMatching(/^(?:[a-z][0-9]){3,5}$/).map((s) => remember(`cnry${s}`));
const secretEmail = secretWord.map((word) => `${word}@example.com`);
const secretPhone = fc.stringMatching(/^[1-9]\d{7,11}$/).map((digits) => `+${remember(digits)}`);

const boom = (): never => {
  throw new TypeError('thrown while read');
};
/** `value`, which fast-check prints as `label` when a run fails (its own printing would read it and throw). */
const labelled = <T extends object>(value: T, label: string): T =>
  Object.defineProperty(value, fc.toStringMethod, { value: () => label });
/** A proxy whose traps throw on every property but the one fast-check prints it with. */
const throwingProxy = <T extends object>(target: T, label: string): T =>
  new Proxy(target, {
    get: (_target, key) => (key === fc.toStringMethod ? () => label : boom()),
    has: (_target, key) => key === fc.toStringMethod || (typeof key === 'symbol' ? false : boom()),
    ownKeys: boom,
    getPrototypeOf: boom,
    getOwnPropertyDescriptor: boom,
  });

/**
 * Values no caller should send, and some they might: wrong types, odd numbers, proxies, getters,
 * prototype keys, deep or sparse data. (A revoked proxy is left to the unit specs: fast-check
 * itself asks every generated value whether it has a clone method, which throws on one.)
 */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.integer(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.bigInt(),
  fc.boolean(),
  fc.constantFrom(null, undefined),
  fc.constantFrom<unknown>(
    Symbol('s'),
    () => 1,
    new Date(0),
    new Map([['a', 1]]),
    new Set([1]),
    /x/,
    new Uint8Array(2),
  ),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => JSON.parse(`{"${key}":{"polluted":true}}`)),
  fc.integer({ min: 30, max: 3000 }).map((levels) => nestedObject(levels)),
  // oxlint-disable-next-line no-sparse-arrays
  fc.constant([, 'crm']),
  fc.constant(Object.create(null) as object),
  fc.constant(Object.freeze({ a: 1 })),
  fc.constant(labelled({ toJSON: boom, valueOf: boom, toString: boom }, '{ toJSON, valueOf, toString that throw }')),
  fc.constant(labelled(Object.defineProperty({}, 'a', { get: boom, enumerable: true }), '{ get a() { throw } }')),
  // Fresh for each run: its getter answers once, then throws (a check passes, a later read fails).
  fc.constant(null).map(() => {
    let reads = 0;
    const value = Object.defineProperty({}, 'a', { get: () => (reads++ === 0 ? 'x' : boom()), enumerable: true });
    return labelled(value, '{ get a() { once, then throw } }');
  }),
  fc.constant(throwingProxy({}, 'Proxy({}) that throws')),
  fc.constant(throwingProxy(['crm'], "Proxy(['crm']) that throws")),
  fc.constant(new Proxy(labelled({ a: 1 }, 'Proxy({ a: 1 })'), {})),
  fc.nat({ max: 70_000 }).map((length) => 'x'.repeat(length)),
);

/** A key of free-form data: ordinary, inherited names, prototype names, or huge. */
const freeKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('toString', 'valueOf', 'hasOwnProperty', '__proto__', 'constructor', 'prototype'),
  fc.constant('k'.repeat(60_000)),
);

/** Each field of the authenticate-user body: a valid value holding personal values, or a hostile one. */
const FIELDS = {
  email: fc.oneof({ weight: 4, arbitrary: secretEmail }, { weight: 1, arbitrary: hostileValue }),
  name: fc.oneof(
    secretWord.map((w) => `Ada ${w}`),
    hostileValue,
  ),
  avatar_url: fc.oneof(fc.constantFrom('https://example.com/a.png', null, 'javascript:alert(1)'), hostileValue),
  phone: fc.oneof(secretPhone, fc.constantFrom('1234567890', '(+44) 20 7946 0958', '+1 800 FLOWERS'), hostileValue),
  language: fc.oneof(fc.constantFrom('en', 'cy', 'EN', 'english'), hostileValue),
  customData: fc.oneof(
    fc.dictionary(freeKey, fc.oneof(secretWord, fc.integer(), fc.array(secretWord, { maxLength: 2 })), {
      maxKeys: 3,
    }),
    hostileValue,
  ),
  chat_context: fc.oneof(
    secretWord.map((w) => `VIP ${w}`),
    hostileValue,
  ),
  http_action_overrides: fc.oneof(
    fc.record(
      {
        headers: fc.dictionary(fc.constantFrom('X-Secret', 'X-Tier', 'Bad Name', '__proto__'), secretWord, {
          maxKeys: 2,
        }),
        query_params: fc.dictionary(freeKey, fc.oneof(secretWord, fc.integer(), hostileValue), { maxKeys: 2 }),
        body_params: fc.dictionary(freeKey, fc.oneof(secretWord, hostileValue), { maxKeys: 2 }),
      },
      { requiredKeys: [] },
    ),
    hostileValue,
  ),
  mcp_access: fc.oneof(
    fc.record(
      {
        server_ids: fc.oneof(
          fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
          // oxlint-disable-next-line no-sparse-arrays
          fc.constantFrom([, 'crm'], ['crm', , 'billing']),
          hostileValue,
        ),
      },
      { requiredKeys: [] },
    ),
    hostileValue,
  ),
};

/** A body OpenCX would take, holding personal values in every field it can. */
export const sendableInput: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    email: secretEmail,
    name: secretWord.map((w) => `Ada ${w}`),
    phone: secretPhone,
    language: fc.constantFrom('en', 'cy'),
    customData: fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), secretWord, { maxKeys: 3 }),
    chat_context: secretWord.map((w) => `VIP ${w}`),
    http_action_overrides: fc.record({ headers: fc.dictionary(fc.constantFrom('X-Secret', 'X-Tier'), secretWord) }),
    mcp_access: fc.record({ server_ids: fc.array(fc.constantFrom('crm', 'billing'), { maxLength: 2 }) }),
  },
  { requiredKeys: ['email'] },
);

/** How the input object itself is handed over. */
const WRAPS = {
  plain: (fields: Record<string, unknown>): unknown => fields,
  frozen: (fields: Record<string, unknown>): unknown => Object.freeze(fields),
  withoutPrototype: (fields: Record<string, unknown>): unknown => Object.assign(Object.create(null) as object, fields),
  throughJson: (fields: Record<string, unknown>): unknown => {
    try {
      return JSON.parse(JSON.stringify(fields)) as unknown;
    } catch {
      return fields;
    }
  },
  proxied: (fields: Record<string, unknown>): unknown => new Proxy(fields, {}),
  withThrowingGetter: (fields: Record<string, unknown>): unknown =>
    labelled(
      Object.defineProperty({ ...fields }, 'name', { get: boom, enumerable: true }),
      '{ …, get name() { throw } }',
    ),
};

/** A sendable body with one field given by {@link FIELDS} (valid or hostile): each hostile value met alone. */
const oneFieldOff: fc.Arbitrary<Record<string, unknown>> = fc
  .constantFrom(...(Object.keys(FIELDS) as Array<keyof typeof FIELDS>))
  .chain((field) => fc.tuple(sendableInput, FIELDS[field]).map(([body, value]) => ({ ...body, [field]: value })));

/**
 * An authenticate-user input: a sendable body; one with a field off; the body's fields each valid
 * or hostile, with unknown keys, handed over some way (frozen, without prototype, as a proxy, with
 * a getter that throws); or anything at all.
 */
export const authenticateInput: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: sendableInput },
  { weight: 3, arbitrary: oneFieldOff },
  {
    weight: 3,
    arbitrary: fc
      .record({
        fields: fc.record(FIELDS, { requiredKeys: [] }),
        unknown: fc.dictionary(freeKey, hostileValue, { maxKeys: 2 }),
        withUnknown: fc.boolean(),
        wrap: fc.constantFrom(...(Object.keys(WRAPS) as Array<keyof typeof WRAPS>)),
      })
      .map(({ fields, unknown, withUnknown, wrap }) => WRAPS[wrap](withUnknown ? { ...unknown, ...fields } : fields)),
  },
  { weight: 1, arbitrary: hostileValue },
);

/** A value of any type that is no object: objects of every kind are {@link hostileValue}'s. */
const notAnObject = hostileValue.filter(
  (value) => value === null || (typeof value !== 'object' && typeof value !== 'function'),
);

/**
 * Per-call options: none, a plain object of ordinary or hostile values (wrong types, getters and
 * proxies inside `extraFields`), or something that is no object at all. The options object itself
 * is never a proxy or a getter: the call's options are read by spreading them.
 */
export const callOptions: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      apiKey: fc.oneof(
        secretWord.map((w) => `sk_${w}`),
        hostileValue,
      ),
      timeout: fc.oneof(fc.integer({ min: 1, max: 5000 }), hostileValue),
      totalTimeout: fc.oneof(fc.integer({ min: 1, max: 5000 }), hostileValue),
      maxRetries: fc.oneof(fc.integer({ min: 0, max: 2 }), hostileValue),
      extraFields: fc.oneof(fc.dictionary(freeKey, fc.oneof(secretWord, hostileValue), { maxKeys: 2 }), hostileValue),
      // Not a proxy whose traps throw: the call's options check a signal by running them.
      signal: fc.oneof(fc.constant(AbortSignal.abort()), notAnObject, fc.jsonValue({ maxDepth: 2 })),
      unknownOption: hostileValue,
    },
    { requiredKeys: [] },
  ),
  notAnObject,
);

/** Everything an error shows, each on its own: message, stack, string, JSON and the body your API would answer with. */
export function printed(error: unknown): string[] {
  if (!(error instanceof Error)) return [typeof error];
  const response = error instanceof OpenCxError ? JSON.stringify(error.getResponse()) : '';
  return [error.message, error.stack ?? '', String(error), JSON.stringify(error), response];
}

/** Longest message or answer body an error may have, in characters. */
export const MAX_ERROR_TEXT = 16_384;

/**
 * What is wrong with an error a public entry point threw, by its promise: only an OpenCxError
 * (of `expected`, when given), never the catch-all for a bug ("failed unexpectedly"), sizes
 * bounded, every 400 naming a field, and no personal value shown. Undefined when nothing is.
 */
export function errorProblem(
  error: unknown,
  expected: abstract new (...args: never[]) => OpenCxError = OpenCxError,
): string | undefined {
  if (!(error instanceof expected)) {
    return `threw ${error instanceof Error ? error.name : typeof error}, not ${expected.name}`;
  }
  if (/failed unexpectedly/.test(error.message)) return `the catch-all for a bug: ${error.message.slice(0, 200)}`;
  if (error.message.length > MAX_ERROR_TEXT) return `message of ${error.message.length} characters`;
  const body = JSON.stringify(error.getResponse());
  if (body.length > MAX_ERROR_TEXT) return `answer body of ${body.length} characters`;
  if (error instanceof OpenCxValidationError && (error.errors.length === 0 || error.errors.some((e) => !e.field))) {
    return 'a validation error naming no field';
  }
  const leaked = printed(error)
    .map(leakedSecret)
    .find((run) => run !== undefined);
  return leaked === undefined ? undefined : `shows a personal value: ${leaked}`;
}
