import { getEventListeners } from 'node:events';
import { jest } from '@jest/globals';
import { OpenCxAbortError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import { Deadline } from '../util/deadline.js';
import { SingleFlight } from './single-flight.js';

/** A caller that never aborts, with a long deadline. */
const patient = (): [AbortSignal, Deadline] => [new AbortController().signal, Deadline.after(60_000)];

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
    const all = Promise.all([
      flights.run('k', start, ...patient()),
      flights.run('k', start, ...patient()),
      flights.run('k', start, ...patient()),
    ]);
    work.resolve('answer');
    expect(await all).toEqual(['answer', 'answer', 'answer']);
    expect(runs).toBe(1);
    expect(flights.size).toBe(0);
  });

  it('keeps the flight for followers when the caller that started it aborts', async () => {
    const flights = new SingleFlight<string>();
    const work = deferred<string>();
    let cancelled = false;
    const start = (signal?: AbortSignal): Promise<string> => {
      signal?.addEventListener('abort', () => (cancelled = true));
      return work.promise;
    };
    const leader = new AbortController();
    const first = flights.run('k', start, leader.signal, Deadline.after(60_000));
    const follower = flights.run('k', start, ...patient());
    leader.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    work.resolve('answer');
    await expect(follower).resolves.toBe('answer');
    expect(cancelled).toBe(false);
  });

  it('cancels the work only when every waiter has gone', async () => {
    const flights = new SingleFlight<string>();
    let cancelled = false;
    const start = (signal?: AbortSignal): Promise<string> =>
      new Promise((_, reject) =>
        signal?.addEventListener('abort', () => {
          cancelled = true;
          reject(new OpenCxAbortError());
        }),
      );
    const a = new AbortController();
    const b = new AbortController();
    const first = flights.run('k', start, a.signal, Deadline.after(60_000));
    const second = flights.run('k', start, b.signal, Deadline.after(60_000));
    a.abort();
    expect(cancelled).toBe(false);
    b.abort();
    expect(cancelled).toBe(true);
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    await expect(second).rejects.toBeInstanceOf(OpenCxAbortError);
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
      const short = flights.run('k', start, new AbortController().signal, Deadline.after(1_000));
      const long = flights.run('k', start, new AbortController().signal, Deadline.after(5_000));
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

  it('never lets a new caller join work being cancelled, even in the same tick', async () => {
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
    const first = flights.run('k', start, only.signal, Deadline.after(60_000));
    only.abort();
    const next = flights.run('k', start, ...patient());
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    await expect(next).resolves.toBe('answer 2');
    expect(runs.map((signal) => signal.aborted)).toEqual([true, false]);
  });

  it('lets a caller join new work under a key whose abandoned work settles late', async () => {
    const flights = new SingleFlight<string>();
    const [abandoned, current] = [deferred<string>(), deferred<string>()];
    let runs = 0;
    const caller = new AbortController();
    const first = flights.run('k', () => (runs++, abandoned.promise), caller.signal, Deadline.after(60_000));
    caller.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    const second = flights.run('k', () => (runs++, current.promise), ...patient());
    abandoned.resolve('late');
    await Promise.resolve();
    const third = flights.run('k', () => (runs++, current.promise), ...patient());
    current.resolve('now');
    await expect(Promise.all([second, third])).resolves.toEqual(['now', 'now']);
    expect(runs).toBe(2);
  });

  it('keeps the newer work joinable when every caller leaves forgotten work under the same key', async () => {
    const flights = new SingleFlight<string>();
    const [forgotten, current] = [deferred<string>(), deferred<string>()];
    let runs = 0;
    const caller = new AbortController();
    const first = flights.run('k:1', () => (runs++, forgotten.promise), caller.signal, Deadline.after(60_000));
    flights.forget('k:');
    const second = flights.run('k:1', () => (runs++, current.promise), ...patient());
    caller.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    const third = flights.run('k:1', () => (runs++, current.promise), ...patient());
    current.resolve('now');
    await expect(Promise.all([second, third])).resolves.toEqual(['now', 'now']);
    expect(runs).toBe(2);
  });

  it('forgets only the keys with the prefix: their next caller starts new work, others still join', async () => {
    const flights = new SingleFlight<string>();
    const work = deferred<string>();
    let runs = 0;
    const start = (): Promise<string> => (runs++, work.promise);
    const calls = ['a:1', 'a:2', 'b:a:1'].map((key) => flights.run(key, start, ...patient()));
    flights.forget('a:');
    expect(flights.size).toBe(1);
    calls.push(...['a:1', 'a:2', 'b:a:1'].map((key) => flights.run(key, start, ...patient())));
    expect(runs).toBe(5);
    work.resolve('x');
    await Promise.all(calls);
  });

  it("leaves nothing behind on a caller's long-lived signal, and no timer, once its call has ended", async () => {
    jest.useFakeTimers();
    try {
      const flights = new SingleFlight<string>();
      const shutdown = new AbortController().signal;
      await flights.run('k', () => Promise.resolve('one'), shutdown, Deadline.after(60_000));
      await flights.run('k', () => Promise.reject(new Error('two')), shutdown, Deadline.after(60_000)).catch(() => 0);
      expect(getEventListeners(shutdown, 'abort')).toHaveLength(0);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
