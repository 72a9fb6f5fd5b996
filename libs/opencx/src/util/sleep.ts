import { OpenCxAbortError } from '../errors/opencx.errors.js';

/**
 * Waits `ms`, or rejects with OpenCxAbortError as soon as `signal` fires. Built on the global
 * `setTimeout` (not `timers/promises`) so that tests can drive it with fake timers.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new OpenCxAbortError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new OpenCxAbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
