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
  fc.constant({ toJSON: boom, valueOf: boom, toString: boom }),
  fc.constant(Object.defineProperty({}, 'a', { get: boom, enumerable: true })),
  fc.constant(new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom, getOwnPropertyDescriptor: boom })),
  fc.constant(new Proxy(['crm'], { get: boom })),
  fc.constant(new Proxy({ a: 1 }, {})),
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
      { server_ids: fc.oneof(fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), hostileValue) },
      { requiredKeys: [] },
    ),
    hostileValue,
  ),
};

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
    Object.defineProperty({ ...fields }, 'name', { get: boom, enumerable: true }),
};

/** An authenticate-user input: the body's fields (each valid or hostile), unknown keys, handed over some way; or anything at all. */
export const authenticateInput: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 9,
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

/** Per-call options: none, ordinary ones, or hostile ones (wrong types, getters, proxies, `extraFields` of any kind). */
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
      signal: fc.oneof(fc.constant(AbortSignal.abort()), hostileValue),
      unknownOption: hostileValue,
    },
    { requiredKeys: [] },
  ),
  hostileValue,
);

/** Everything an error shows: message, stack, string, JSON and the body your API would answer with. */
export function printed(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const response = error instanceof OpenCxError ? JSON.stringify(error.getResponse()) : '';
  return [error.message, error.stack, String(error), JSON.stringify(error), response].join('\n');
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
  const leaked = leakedSecret(printed(error));
  return leaked === undefined ? undefined : `shows a personal value: ${leaked}`;
}
