import { abortErrorOf, type Deadline } from '../util/deadline.js';

interface Flight<T> {
  promise: Promise<T>;
  controller: AbortController;
  /** Callers still waiting for the work. */
  callers: number;
  settled: boolean;
}

/**
 * Concurrent callers asking for the same key share one in-flight promise (and its result or
 * error). Each caller leaves on its own signal or deadline; the shared work is cancelled only when
 * every caller has left, and is then forgotten at once, so a caller arriving in the same tick
 * starts new work instead of joining work being cancelled. The entry is dropped when the work settles.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  run(key: string, work: (signal: AbortSignal) => Promise<T>, signal: AbortSignal, deadline: Deadline): Promise<T> {
    if (signal.aborted) return Promise.reject(abortErrorOf(signal));
    let flight = this.flights.get(key);
    if (!flight) {
      const controller = new AbortController();
      const started: Flight<T> = { promise: work(controller.signal), controller, callers: 0, settled: false };
      const forget = (): void => {
        started.settled = true;
        if (this.flights.get(key) === started) this.flights.delete(key);
      };
      started.promise.then(forget, forget);
      this.flights.set(key, started);
      flight = started;
    }
    const joined = flight;
    joined.callers++;
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        signal.removeEventListener('abort', onAbort);
        clearTimeout(timer);
        return true;
      };
      // Synchronous on abort, so that a caller arriving in the same tick finds the flight gone.
      const leave = (error: unknown): void => {
        if (!finish()) return;
        if (!joined.settled && --joined.callers === 0) {
          if (this.flights.get(key) === joined) this.flights.delete(key);
          joined.controller.abort();
        }
        reject(error);
      };
      const onAbort = (): void => leave(abortErrorOf(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => leave(deadline.expired()), deadline.left());
      joined.promise.then(
        (value) => finish() && resolve(value),
        (error: unknown) => finish() && reject(error),
      );
    });
  }

  /** Lets no new caller join work in flight for keys starting with `prefix` (it goes on for its callers). */
  forget(prefix: string): void {
    for (const key of this.flights.keys()) if (key.startsWith(prefix)) this.flights.delete(key);
  }

  /** Keys with work in flight (for tests and metrics). */
  get size(): number {
    return this.flights.size;
  }
}
