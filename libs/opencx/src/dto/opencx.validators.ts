import { types } from 'node:util';
import { applyDecorators } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { ValidateBy, ValidateIf, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { OPENCX_LANGUAGES, closestLanguage } from '../languages.js';

/**
 * Validates the field only when it is present. Unlike `@IsOptional()`, `null` is not "absent": the
 * wire format has no nulls except `avatar_url`'s, so `name: null` is an error, not a silent drop.
 */
export function IsOptionalField(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * Keeps a free-form object exactly as the caller gave it, for Nest's stock `ValidationPipe` too.
 * class-transformer would rebuild it key by key: rebuilding assigns a JSON `"__proto__"` key as a
 * prototype, drops a `"constructor"` key, and recurses once per level (a body nested a few
 * thousand levels deep overflows the stack: a 500). Declared as a boolean, class-transformer turns
 * the value into `true` in one step instead of walking it (a string or a number would call the
 * object's own `toString` or `valueOf`, and a JSON key of that name makes that throw: a 500); the
 * transform then puts the caller's own value back, for the validators below to check.
 */
export function KeepRaw(): PropertyDecorator {
  return applyDecorators(
    Type(() => Boolean),
    Transform(({ obj, key }) => (obj as Record<string, unknown>)[key], { toClassOnly: true }),
  );
}

/**
 * A validator defined by one function that says what is wrong (or undefined when nothing is), so
 * the message names the exact problem and the field, and never echoes the value.
 */
function ValidateProblem(
  name: string,
  problem: (value: unknown) => string | undefined,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => problem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => `${args?.property} ${problem(args?.value) ?? 'is invalid'}`,
      },
    },
    options,
  );
}

/** Keys that can reach a prototype: refused wherever free-form data is accepted. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * An object literal or `Object.create(null)`: no class instance, array, function or proxy (asked
 * without running its traps: a proxy can answer differently each time it is read). From any realm
 * (a `structuredClone` copy, a `vm` context): its prototype is an `Object.prototype`, whose own is null.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || types.isProxy(value) || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (
    proto === null ||
    (Object.getPrototypeOf(proto) === null && Object.prototype.toString.call(value) === '[object Object]')
  );
}

/** The first key of `record` that could reach a prototype (`__proto__`, `constructor`, `prototype`). */
export function forbiddenKey(record: Record<string, unknown>): string | undefined {
  return Object.keys(record).find((key) => FORBIDDEN_KEYS.has(key));
}

/** Why `value` is not JSON nested at most `depth` levels, or undefined when it is. */
function jsonProblem(value: unknown, depth: number): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'must hold only finite numbers';
  if (depth <= 0) return 'is nested too deeply';
  if (Array.isArray(value) && !types.isProxy(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, depth - 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return 'must hold only JSON values (string, number, boolean, null, array, object)';
  const bad = forbiddenKey(value);
  if (bad !== undefined) return `must not use the key "${bad}"`;
  for (const item of Object.values(value)) {
    const problem = jsonProblem(item, depth - 1);
    if (problem) return problem;
  }
  return undefined;
}

/** Limits for {@link IsJsonObject}. */
export interface JsonObjectLimits {
  /** Maximum size of the object serialised as JSON, in UTF-8 bytes. */
  maxBytes: number;
  /** Maximum nesting depth (the object itself is level 1). */
  maxDepth: number;
}

export function jsonObjectProblem(value: unknown, limits: JsonObjectLimits): string | undefined {
  if (!isPlainObject(value)) return 'must be a plain JSON object';
  const problem = jsonProblem(value, limits.maxDepth);
  if (problem)
    return problem === 'is nested too deeply' ? `must be nested at most ${limits.maxDepth} levels deep` : problem;
  if (Buffer.byteLength(JSON.stringify(value)) > limits.maxBytes)
    return `must be at most ${limits.maxBytes} bytes as JSON`;
  return undefined;
}

/**
 * The class-validator name of {@link IsJsonObject}: a class whose metadata holds it (the DTOs, their
 * subclasses and mapped types) takes OpenCX custom data, and its bodies are checked before any pipe.
 */
export const OPENCX_JSON_OBJECT = 'isOpenCxJsonObject';

/** A plain JSON object (no class instances, functions or `__proto__` keys) within size and depth bounds. */
export function IsJsonObject(limits: JsonObjectLimits, options?: ValidationOptions): PropertyDecorator {
  return ValidateProblem(OPENCX_JSON_OBJECT, (value) => jsonObjectProblem(value, limits), options);
}

/** Limits for {@link IsScalarRecord}. */
export interface ScalarRecordLimits {
  maxKeys: number;
  maxKeyLength: number;
  maxValueLength: number;
}

function scalarRecordProblem(value: unknown, limits: ScalarRecordLimits): string | undefined {
  if (!isPlainObject(value)) return 'must be an object of key/value pairs';
  const entries = Object.entries(value);
  if (entries.length > limits.maxKeys) return `must have at most ${limits.maxKeys} keys`;
  const bad = forbiddenKey(value);
  if (bad !== undefined) return `must not use the key "${bad}"`;
  for (const [key, item] of entries) {
    if (key.length === 0 || key.length > limits.maxKeyLength)
      return `keys must be 1 to ${limits.maxKeyLength} characters`;
    if (typeof item === 'number' && !Number.isFinite(item)) return 'values must be finite numbers';
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      return 'values must be strings, numbers or booleans';
    }
    if (String(item).length > limits.maxValueLength)
      return `values must be at most ${limits.maxValueLength} characters`;
  }
  return undefined;
}

/** A flat object whose values are strings, numbers or booleans (sent as strings). */
export function IsScalarRecord(limits: ScalarRecordLimits, options?: ValidationOptions): PropertyDecorator {
  return ValidateProblem('isScalarRecord', (value) => scalarRecordProblem(value, limits), options);
}

// RFC 9110 field-name token, and a value of printable ASCII and tab only: OpenCX replays these
// headers to the organisation's APIs, where CR/LF would be header injection, and some proxies turn
// characters from U+0080 up into CR/LF.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

function headerRecordProblem(value: unknown, limits: ScalarRecordLimits): string | undefined {
  const problem = scalarRecordProblem(value, limits);
  if (problem) return problem;
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    if (!HEADER_NAME.test(name)) return 'names must be valid HTTP header names';
    if (!HEADER_VALUE.test(String(item)))
      return 'values must be printable ASCII (no CR, LF, control or non-ASCII characters)';
  }
  return undefined;
}

/** Like {@link IsScalarRecord}, plus valid header names and printable ASCII values. */
export function IsHeaderRecord(limits: ScalarRecordLimits, options?: ValidationOptions): PropertyDecorator {
  return ValidateProblem('isHeaderRecord', (value) => headerRecordProblem(value, limits), options);
}

/** Limits for {@link IsJsonRecord}. */
export interface JsonRecordLimits extends JsonObjectLimits {
  maxKeys: number;
}

/** A flat map of any JSON values (OpenCX's `body_params`), within key count, size and depth bounds. */
export function IsJsonRecord(limits: JsonRecordLimits, options?: ValidationOptions): PropertyDecorator {
  return ValidateProblem(
    'isJsonRecord',
    (value) =>
      isPlainObject(value) && Object.keys(value).length > limits.maxKeys
        ? `must have at most ${limits.maxKeys} keys`
        : jsonObjectProblem(value, limits),
    options,
  );
}

function languageProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && (OPENCX_LANGUAGES as readonly string[]).includes(value)) return undefined;
  const close = typeof value === 'string' ? closestLanguage(value) : undefined;
  const hint = close ? `: did you mean '${close}'?` : '';
  return `must be one of the OpenCX language codes (OPENCX_LANGUAGES)${hint}`;
}

/** One of {@link OPENCX_LANGUAGES}; the message suggests the code a wrong value most likely meant. */
export function IsOpenCxLanguage(options?: ValidationOptions): PropertyDecorator {
  return ValidateProblem('isOpenCxLanguage', languageProblem, options);
}

/**
 * An object, for a nested DTO: a plain object or the DTO class's instance; not null, an array, a
 * function, a date or another built-in (class-validator's `IsObject` takes a function, and
 * `ValidateNested` then finds nothing wrong with a function or a date).
 */
export function IsObjectValue(options?: ValidationOptions): PropertyDecorator {
  return ValidateProblem(
    'isObjectValue',
    (value) =>
      value !== null &&
      typeof value === 'object' &&
      !types.isProxy(value) &&
      Object.prototype.toString.call(value) === '[object Object]'
        ? undefined
        : 'must be an object',
    options,
  );
}

/**
 * An array with an item at every index, and no proxy: class-validator's `each` rules skip the
 * empty slots of `[, 'crm']`, and JSON would send them as `null`.
 */
export function IsDenseArray(options?: ValidationOptions): PropertyDecorator {
  return ValidateProblem(
    'isDenseArray',
    (value) =>
      !Array.isArray(value) || types.isProxy(value)
        ? 'must be an array'
        : Object.keys(value).length === value.length
          ? undefined
          : 'must not have empty slots',
    options,
  );
}

/** A string holding from `min` to `max` digits (a phone number's, whatever separators it is written with). */
export function HasDigits(min: number, max: number): PropertyDecorator {
  return ValidateProblem('hasDigits', (value) => {
    const digits = typeof value === 'string' ? value.replace(/\D/g, '').length : 0;
    return digits >= min && digits <= max ? undefined : `must hold ${min} to ${max} digits`;
  });
}
