import { OpenCxValidationError } from '../errors/opencx.errors.js';

/** The input of one call as plain data, read once. */
export interface InputSnapshot {
  input: unknown;
  extraFields: unknown;
}

/**
 * One plain-data copy of a call's input and `extraFields`, made before validation: each getter is
 * read once, prototypes are dropped, and what is validated is exactly what is sent, whatever the
 * caller's objects do afterwards. Functions, symbols, proxies and absurd nesting are refused here.
 */
export function snapshot(input: unknown, extraFields: unknown): InputSnapshot {
  try {
    return structuredClone({ input, extraFields });
  } catch (error) {
    // By name: the error comes from Node's own realm, which under jest's vm is not this one.
    const message =
      (error as Error | undefined)?.name === 'RangeError'
        ? 'the input is nested too deeply'
        : 'the input must be plain data (no functions, symbols or proxies)';
    throw new OpenCxValidationError([{ field: '(body)', messages: [message] }]);
  }
}
