import { getEventListeners } from 'node:events';
import { jest } from '@jest/globals';
import { OpenCxAbortError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import { Deadline } from '../util/deadline.js';
import type { Call } from './call.js';
import { SingleFlight } from './single-flight.js';

/** A caller with this signal and deadline (the rest of its settings do not matter here). */
const caller = (signal: AbortSignal = new AbortController().signal, deadline = Deadline.after(60_000)): Call => ({
  operation: 'authenticate-user',
  apiKey: 'sk',
  limiterKey: 'key',
  timeout: 10_000,
  deadline,
  signal,
  mode: 'use',
  trace: { cache: () => undefined, attempt: () => undefined },
  maxRetries: 2,
  retryDelay: 500,
  maxRetryDelay: 8_000,
  maxRetryAfter: 60_000,
  retryPostAfterTimeout: true,
});

/** Follows the flight for `key`, or leads a new one whose work `start` begins under the flight's signal. */
function run<T>(flights: SingleFlight<T>, key: string, start: (signal: AbortSignal) => Promise<T>, call = caller()) {
  const found = flights.find(key);
  if (found) return found.follow(call);
  const flight = flights.start(key, call);
  return flight.lead(start(flight.call.signal), call);
}

/** A promise and the functions that settle it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

describe('SingleFlight', () => {
  it('runs the work once for concurrent callers of one key', async () => {
    const flights = new SingleFlight<string>();
    const work = deferred<string>();
    let runs = 0;
    const start = (): Promise<string> => {
      runs++;
      return work.promise;
    };
    const all = Promise.all([run(flights, 'k', start), run(flights, 'k', start), run(flights, 'k', start)]);
    work.resolve('answer');
    expect(await all).toEqual(['answer', 'answer', 'answer']);
    expect(runs).toBe(1);
    expect(flights.size).toBe(0);
  });

  it('keeps the flight for followers when the caller that started it aborts', async () => {
    const flights = new SingleFlight<string>();
    const work = deferred<string>();
    let cancelled = false;
    const start = (signal: AbortSignal): Promise<string> => {
      signal.addEventListener('abort', () => (cancelled = true));
      return work.promise;
    };
    const leader = new AbortController();
    const first = run(flights, 'k', start, caller(leader.signal));
    const follower = run(flights, 'k', start);
    leader.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    work.resolve('answer');
    await expect(follower).resolves.toBe('answer');
    expect(cancelled).toBe(false);
  });

  it('cancels the work only when every waiter has gone', async () => {
    const flights = new SingleFlight<string>();
    let cancelled = false;
    const start = (signal: AbortSignal): Promise<string> =>
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => {
          cancelled = true;
          reject(new OpenCxAbortError());
        }),
      );
    const a = new AbortController();
    const b = new AbortController();
    const first = run(flights, 'k', start, caller(a.signal));
    const second = run(flights, 'k', start, caller(b.signal));
    a.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    expect(cancelled).toBe(false);
    b.abort();
    await expect(second).rejects.toBeInstanceOf(OpenCxAbortError);
    expect(cancelled).toBe(true);
  });

  it('lets each caller leave at its own deadline, and cancels the work when the last has left', async () => {
    jest.useFakeTimers();
    try {
      const flights = new SingleFlight<string>();
      let cancelled = false;
      const start = (signal: AbortSignal): Promise<string> =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => ((cancelled = true), reject(new Error('x')))),
        );
      const short = run(flights, 'k', start, caller(undefined, Deadline.after(1_000)));
      const long = run(flights, 'k', start, caller(undefined, Deadline.after(5_000)));
      const outcomes = Promise.allSettled([short, long]);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(cancelled).toBe(false);
      await jest.advanceTimersByTimeAsync(4_000);
      expect(cancelled).toBe(true);
      for (const outcome of await outcomes)
        expect(outcome).toMatchObject({ status: 'rejected', reason: expect.any(OpenCxTimeoutError) });
    } finally {
      jest.useRealTimers();
    }
  });

  it("runs the work by its most patient caller's limits: the latest deadline, the most retries, the longest attempt", () => {
    const flights = new SingleFlight<string>();
    const leader = { ...caller(undefined, Deadline.after(150)), maxRetries: 0, timeout: 100 };
    const flight = flights.start('k', leader);
    flight.follow({ ...caller(undefined, Deadline.after(5_000)), maxRetries: 2, timeout: 50 }).catch(() => undefined);
    expect(flight.call.deadline.total).toBe(5_000);
    expect([flight.call.maxRetries, flight.call.timeout]).toEqual([2, 100]);
    // The leader's own limits are its own still.
    expect([leader.deadline.total, leader.maxRetries]).toEqual([150, 0]);
  });

  it('starts new work for a caller that comes once every caller of the old has left, never joining it', async () => {
    const flights = new SingleFlight<string>();
    const runs: AbortSignal[] = [];
    const start = (signal: AbortSignal): Promise<string> => {
      runs.push(signal);
      return new Promise((resolve, reject) => {
        signal.addEventListener('abort', () => reject(new OpenCxAbortError()));
        setImmediate(() => resolve(`answer ${runs.length}`));
      });
    };
    const only = new AbortController();
    const first = run(flights, 'k', start, caller(only.signal));
    only.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    expect(flights.size).toBe(0);
    const next = run(flights, 'k', start);
    await expect(next).resolves.toBe('answer 2');
    expect(runs.map((signal) => signal.aborted)).toEqual([true, false]);
  });

  it('keeps the work for a caller that joined before the one who aborted had left', async () => {
    const flights = new SingleFlight<string>();
    const work = deferred<string>();
    let runs = 0;
    const only = new AbortController();
    const first = run(flights, 'k', () => (runs++, work.promise), caller(only.signal));
    only.abort();
    const next = run(flights, 'k', () => (runs++, work.promise));
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    work.resolve('answer');
    await expect(next).resolves.toBe('answer');
    expect(runs).toBe(1);
  });

  it('lets a caller join new work under a key whose abandoned work settles late', async () => {
    const flights = new SingleFlight<string>();
    const [abandoned, current] = [deferred<string>(), deferred<string>()];
    let runs = 0;
    const leaving = new AbortController();
    const first = run(flights, 'k', () => (runs++, abandoned.promise), caller(leaving.signal));
    leaving.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    const second = run(flights, 'k', () => (runs++, current.promise));
    abandoned.resolve('late');
    await Promise.resolve();
    const third = run(flights, 'k', () => (runs++, current.promise));
    current.resolve('now');
    await expect(Promise.all([second, third])).resolves.toEqual(['now', 'now']);
    expect(runs).toBe(2);
  });

  it('keeps the newer work joinable when every caller leaves forgotten work under the same key', async () => {
    const flights = new SingleFlight<string>();
    const [forgotten, current] = [deferred<string>(), deferred<string>()];
    let runs = 0;
    const leaving = new AbortController();
    const first = run(flights, 'k:1', () => (runs++, forgotten.promise), caller(leaving.signal));
    flights.forget('k:');
    const second = run(flights, 'k:1', () => (runs++, current.promise));
    leaving.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    const third = run(flights, 'k:1', () => (runs++, current.promise));
    current.resolve('now');
    await expect(Promise.all([second, third])).resolves.toEqual(['now', 'now']);
    expect(runs).toBe(2);
  });

  it('forgets only the keys with the prefix: their next caller starts new work, others still join', async () => {
    const flights = new SingleFlight<string>();
    const work = deferred<string>();
    let runs = 0;
    const start = (): Promise<string> => (runs++, work.promise);
    const calls = ['a:1', 'a:2', 'b:a:1'].map((key) => run(flights, key, start));
    flights.forget('a:');
    expect(flights.size).toBe(1);
    calls.push(...['a:1', 'a:2', 'b:a:1'].map((key) => run(flights, key, start)));
    expect(runs).toBe(5);
    work.resolve('x');
    await Promise.all(calls);
  });

  it("leaves nothing behind on a caller's long-lived signal, and no timer, once its call has ended", async () => {
    jest.useFakeTimers();
    try {
      const flights = new SingleFlight<string>();
      const shutdown = new AbortController().signal;
      await run(flights, 'k', () => Promise.resolve('one'), caller(shutdown));
      await run(flights, 'k', () => Promise.reject(new Error('two')), caller(shutdown)).catch(() => 0);
      expect(getEventListeners(shutdown, 'abort')).toHaveLength(0);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
