import type { Call } from './call.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((done, fail) => {
    resolve = done;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/**
 * One piece of work shared by identical calls: the caller that started it (the leader) and those
 * that found it in flight (followers). Each caller leaves on its own signal or deadline; the work is
 * cancelled only when every caller has left, and is then forgotten at once, so a later caller starts
 * new work instead of joining work being cancelled.
 */
export class Flight<T> {
  /**
   * The call the shared work runs under: the leader's, with a signal that fires when every caller
   * has left, and the limits of its most patient caller (each caller still leaves by its own).
   */
  readonly call: Call;
  private readonly controller = new AbortController();
  private callers = 0;
  private settled = false;
  private followers?: Deferred<T>;

  constructor(
    leader: Call,
    private readonly forget: () => void,
  ) {
    this.call = { ...leader, deadline: leader.deadline.copy(), signal: this.controller.signal };
  }

  /** The leader's answer: `work`, started under {@link call}, within the leader's own limits. */
  lead(work: Promise<T>, leader: Call): Promise<T> {
    return this.wait(this.settle(work), leader);
  }

  /**
   * A follower's answer: the leader's work, within the follower's own limits. The work is given
   * the follower's limits where they are longer: a follower allowed 5 s is not failed at the
   * 150 ms its leader allowed, nor denied the retries it allows.
   */
  follow(follower: Call): Promise<T> {
    const shared = this.call;
    shared.deadline.extendTo(follower.deadline);
    shared.maxRetries = Math.max(shared.maxRetries, follower.maxRetries);
    shared.timeout = Math.max(shared.timeout, follower.timeout);
    this.followers ??= deferred<T>();
    return this.wait(this.followers.promise, follower);
  }

  private async wait(answer: Promise<T>, caller: Call): Promise<T> {
    this.callers++;
    try {
      return await caller.deadline.race(answer, caller.signal);
    } finally {
      if (--this.callers === 0 && !this.settled) {
        this.forget();
        this.controller.abort();
      }
    }
  }

  // The work's only reaction is this function's await, so an error thrown by the work keeps the
  // leader's frames (V8 follows a promise's single reaction); followers hear through their own promise.
  private async settle(work: Promise<T>): Promise<T> {
    try {
      const value = await work;
      this.followers?.resolve(value);
      return value;
    } catch (error) {
      this.followers?.reject(error);
      throw error;
    } finally {
      this.settled = true;
      this.forget();
    }
  }
}

/**
 * Concurrent callers asking for the same key share one flight (and its result or error); see
 * {@link Flight}. The entry is dropped when the work settles, or when every caller has left.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** The flight in progress for `key`, for a caller to follow; undefined when there is none. */
  find(key: string): Flight<T> | undefined {
    return this.flights.get(key);
  }

  /** Starts the flight for `key`, led by `leader`: start its work under `flight.call`, then hand it to `lead`. */
  start(key: string, leader: Call): Flight<T> {
    const flight: Flight<T> = new Flight<T>(leader, () => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    this.flights.set(key, flight);
    return flight;
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
