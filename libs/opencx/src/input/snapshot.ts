import { types } from 'node:util';
import { OpenCxValidationError } from '../errors/opencx.errors.js';

/** The input of one call as plain data, read once. */
export interface InputSnapshot {
  input: unknown;
  extraFields: unknown;
}

/** The error for input that could not be copied as plain data. */
function refused(error: unknown): OpenCxValidationError {
  // By name: the error comes from Node's own realm, which under jest's vm is not this one.
  const message =
    (error as Error | undefined)?.name === 'RangeError'
      ? 'the input is nested too deeply'
      : 'the input must be plain data (no functions, symbols or proxies)';
  return new OpenCxValidationError([{ field: '(body)', messages: [message] }]);
}

/** Whether `value` is an object literal (or of no prototype), and not a proxy. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || types.isProxy(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * A plain object's copy: each property read once; a primitive kept as it is, anything else copied
 * by `structuredClone` (so a nested value is refused or copied exactly as a whole-object clone
 * would). The common input, a handful of strings, is copied without serialising it.
 */
function copyOf(input: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    const value = input[key];
    const plain = value === null || (typeof value !== 'object' && typeof value !== 'function');
    // Defined, not assigned: a "__proto__" key stays a key, as in a clone.
    Object.defineProperty(copy, key, {
      value: plain && typeof value !== 'symbol' ? value : structuredClone(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * One plain-data copy of a call's input and `extraFields`, made before validation: each getter is
 * read once, prototypes are dropped, and what is validated is exactly what is sent, whatever the
 * caller's objects do afterwards. Functions, symbols, proxies and absurd nesting are refused here.
 */
export function snapshot(input: unknown, extraFields: unknown): InputSnapshot {
  try {
    if (isPlainObject(input) && extraFields === undefined) return { input: copyOf(input), extraFields };
    return structuredClone({ input, extraFields });
  } catch (error) {
    throw refused(error);
  }
}
