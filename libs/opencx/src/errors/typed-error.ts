import { OpenCxError } from './opencx.errors.js';

/** An error's class name, the only thing about an unknown error that is safe to print. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * What a public operation rejects with: an OpenCxError as it is; anything else (a store or listener
 * that throws a plain error) becomes one, named by its class only, never its message.
 */
export function typed(operation: string, error: unknown): OpenCxError {
  if (error instanceof OpenCxError) return error;
  return new OpenCxError(`${operation} failed unexpectedly (${errorName(error)})`, 500, 'Internal server error');
}
