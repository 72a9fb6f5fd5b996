import { OpenCxAbortError } from '../errors/opencx.errors.js';

interface Flight<T> {
  promise: Promise<T>;
  /** Only when the first caller could abort: otherwise the work is never cancelled. */
  controller?: AbortController;
  /** Callers still waiting that could abort; a caller without a signal pins the flight. */
  abortable: number;
  pinned: boolean;
}

/**
 * Concurrent callers asking for the same key share one in-flight promise (and its result or
 * error). A caller's `signal` rejects that caller at once; the shared work is cancelled only when
 * every caller has aborted. The entry is dropped when the work settles.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  run(key: string, work: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new OpenCxAbortError());
    let flight = this.flights.get(key);
    if (!flight) {
      const controller = signal ? new AbortController() : undefined;
      const forget = (): void => void this.flights.delete(key);
      const promise = work(controller?.signal);
      promise.then(forget, forget);
      flight = { promise, controller, abortable: 0, pinned: false };
      this.flights.set(key, flight);
    }
    if (!signal) {
      flight.pinned = true;
      return flight.promise;
    }
    const joined = flight;
    joined.abortable++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        joined.abortable--;
        if (joined.abortable === 0 && !joined.pinned) joined.controller?.abort();
        reject(new OpenCxAbortError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  /** Keys with work in flight (for tests and metrics). */
  get size(): number {
    return this.flights.size;
  }
}
