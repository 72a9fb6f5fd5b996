import { OpenCxAbortError } from '../errors/opencx.errors.js';
import { SingleFlight } from './single-flight.js';

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
    const all = Promise.all([flights.run('k', start), flights.run('k', start), flights.run('k', start)]);
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
    const first = flights.run('k', start, leader.signal);
    const withoutSignal = flights.run('k', start);
    const withQuietSignal = flights.run('k', start, new AbortController().signal);
    leader.abort();
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    work.resolve('answer');
    await expect(withoutSignal).resolves.toBe('answer');
    await expect(withQuietSignal).resolves.toBe('answer');
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
    const first = flights.run('k', start, a.signal);
    const second = flights.run('k', start, b.signal);
    a.abort();
    expect(cancelled).toBe(false);
    b.abort();
    expect(cancelled).toBe(true);
    await expect(first).rejects.toBeInstanceOf(OpenCxAbortError);
    await expect(second).rejects.toBeInstanceOf(OpenCxAbortError);
  });
});
