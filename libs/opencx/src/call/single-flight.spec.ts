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
});
