import { jest } from '@jest/globals';
import * as fc from 'fast-check';
import { OpenCxAbortError, OpenCxClientRateLimitError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import { ClientRateLimiter, type RateLimitSettings } from './client-rate-limiter.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import type { OpenCxFleetStore, OpenCxReservation } from '../store/opencx-fleet-store.interface.js';
import { Deadline } from '../util/deadline.js';

const KEY = 'key-hash';
const settings = (overrides: Partial<RateLimitSettings> = {}): RateLimitSettings => ({
  perMinute: 10,
  maxWait: 60_000,
  maxQueue: 1_000,
  instances: 1,
  window: 60_000,
  maxPause: 60_000,
  ...overrides,
});

/** A call's deadline far enough away not to matter, made once fake timers are installed. */
const far = (): Deadline => Deadline.after(3_600_000);

/** Takes a slot and releases it at once: a request that reaches OpenCX instantly. */
const sendNow = async (limiter: ClientRateLimiter): Promise<void> => (await limiter.acquire(KEY, far()))('ended');

describe('ClientRateLimiter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('serves a call that can be served within maxWait, after waiting for its slot', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxWait: 61_000 }), new MemoryFleetStore());
    await sendNow(limiter);
    let served = false;
    const second = limiter.acquire(KEY, far()).then(() => (served = true));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(served).toBe(false);
    // The log's window is 1/60 longer than the upstream's: a second of margin per minute.
    await jest.advanceTimersByTimeAsync(1_000);
    await second;
    expect(served).toBe(true);
  });

  it('keeps every window at OpenCX within the limit however long requests take in transit', async () => {
    // Each call is sent, spends 0 to 3 s in transit (past the 1/60 margin), and reaches OpenCX at
    // its start or at its end, whichever the run picks; the limiter only learns the end.
    const call = fc.record({
      gap: fc.integer({ min: 0, max: 400 }),
      transit: fc.integer({ min: 0, max: 3_000 }),
      arrivesLate: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(call, { minLength: 1, maxLength: 30 }),
        async (limit, calls) => {
          const window = 1_000;
          const limiter = new ClientRateLimiter(
            settings({ perMinute: limit, window, maxWait: 20_000 }),
            new MemoryFleetStore(),
          );
          const arrivals: number[] = [];
          const run = async ({ transit, arrivesLate }: (typeof calls)[number]): Promise<void> => {
            const release = await limiter.acquire(KEY, far());
            if (!arrivesLate) arrivals.push(Date.now());
            await new Promise((resolve) => setTimeout(resolve, transit));
            if (arrivesLate) arrivals.push(Date.now());
            await release('ended');
          };
          const runs: Array<Promise<void>> = [];
          for (const c of calls) {
            runs.push(run(c));
            await jest.advanceTimersByTimeAsync(c.gap);
          }
          const done = Promise.all(runs);
          await jest.runAllTimersAsync();
          await done;
          arrivals.sort((a, b) => a - b);
          expect(arrivals).toHaveLength(calls.length);
          for (let i = limit; i < arrivals.length; i++)
            expect(arrivals[i]! - arrivals[i - limit]!).toBeGreaterThanOrEqual(window);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('holds a booked call back when the key is paused after it booked', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, window: 1_000 }), new MemoryFleetStore());
    await sendNow(limiter);
    let sentAt = 0;
    const booked = limiter.acquire(KEY, far()).then(() => (sentAt = Date.now()));
    await jest.advanceTimersByTimeAsync(10);
    await limiter.pause(KEY, 5_000);
    await jest.runAllTimersAsync();
    await booked;
    expect(sentAt - 1_000_000).toBe(5_010);
  });

  it('frees the booking of a call that gave up its wait', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, window: 1_000 }), new MemoryFleetStore());
    await sendNow(limiter);
    const controller = new AbortController();
    const given = limiter.acquire(KEY, far(), controller.signal).catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(await given).toBeInstanceOf(OpenCxAbortError);
    let sentAt = 0;
    const next = limiter.acquire(KEY, far()).then(() => (sentAt = Date.now()));
    await jest.runAllTimersAsync();
    await next;
    // The first send's window (plus the 1/60 margin), not the abandoned booking's.
    expect(sentAt - 1_000_000).toBe(1_017);
  });

  it('fails at once, without waiting, when the slot is beyond maxWait', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxWait: 1_000 }), new MemoryFleetStore());
    await sendNow(limiter);
    await expect(limiter.acquire(KEY, far())).rejects.toBeInstanceOf(OpenCxClientRateLimitError);
  });

  it('bounds the queue: with maxQueue calls waiting, the next fails at once although maxWait would allow it', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxQueue: 1 }), new MemoryFleetStore());
    await sendNow(limiter);
    const waiting = limiter.acquire(KEY, far());
    await jest.advanceTimersByTimeAsync(1);
    expect(limiter.waitingFor(KEY)).toBe(1);
    await expect(limiter.acquire(KEY, far())).rejects.toBeInstanceOf(OpenCxClientRateLimitError);
    await jest.advanceTimersByTimeAsync(61_000);
    await waiting;
    expect(limiter.waitingFor(KEY)).toBe(0);
  });

  it('refuses a call past maxQueue even when its slot is within maxWait', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 2, maxQueue: 1 }), new MemoryFleetStore());
    await sendNow(limiter);
    await sendNow(limiter);
    // Two sends fit one slot a window from now: only the queue's bound can refuse the second waiter.
    const waiting = limiter.acquire(KEY, far());
    await jest.advanceTimersByTimeAsync(1);
    await expect(limiter.acquire(KEY, far())).rejects.toBeInstanceOf(OpenCxClientRateLimitError);
    const unbounded = new ClientRateLimiter(settings({ perMinute: 2, maxQueue: 2 }), new MemoryFleetStore());
    await sendNow(unbounded);
    await sendNow(unbounded);
    const both = [unbounded.acquire(KEY, far()), unbounded.acquire(KEY, far())];
    await jest.advanceTimersByTimeAsync(61_000);
    await expect(Promise.all([waiting, ...both])).resolves.toHaveLength(3);
  });

  it('gives up its wait when the caller aborts', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1 }), new MemoryFleetStore());
    await sendNow(limiter);
    const controller = new AbortController();
    const waiting = limiter.acquire(KEY, far(), controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(OpenCxAbortError);
  });

  it('allows each instance its share of the quota when the fleet has no shared store', async () => {
    const limiter = new ClientRateLimiter(
      settings({ perMinute: 10, instances: 3, maxWait: 0 }),
      new MemoryFleetStore(),
    );
    let granted = 0;
    while ((await limiter.tryAcquire(KEY, 10_000)) !== undefined) granted++;
    expect(granted).toBe(3);
  });

  it('holds a paused key back for every caller until the pause ends', async () => {
    const limiter = new ClientRateLimiter(settings(), new MemoryFleetStore());
    await limiter.pause(KEY, 2_000);
    expect(await limiter.tryAcquire(KEY, 10_000)).toBeUndefined();
    jest.advanceTimersByTime(2_000);
    expect(await limiter.tryAcquire(KEY, 10_000)).toBeInstanceOf(Function);
  });

  it('says when to retry after a queue refusal: one slot, a window divided by the limit', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 6, maxQueue: 0 }), new MemoryFleetStore());
    const error = (await limiter.acquire(KEY, far()).catch((e: unknown) => e)) as OpenCxClientRateLimitError;
    expect(error.reason).toBe('max-queue');
    // (60 s + the 1 s margin) / 6 = 10.2 s, said in whole seconds.
    expect(error.retryAfter).toBe(11);
  });

  it("refuses at once a slot that comes exactly when the call's time runs out, asking the store no more", async () => {
    const store = new MemoryFleetStore();
    const claim = jest.spyOn(store as OpenCxFleetStore, 'claim');
    jest.spyOn(store as OpenCxFleetStore, 'reserve').mockResolvedValue({ granted: true, waitMs: 5_000 });
    const limiter = new ClientRateLimiter(settings(), store);
    const error = (await limiter
      .acquire(KEY, Deadline.after(5_000))
      .catch((e: unknown) => e)) as OpenCxClientRateLimitError;
    expect(error).toBeInstanceOf(OpenCxClientRateLimitError);
    expect(error.reason).toBe('time-left');
    expect(claim).not.toHaveBeenCalled();
  });

  it('counts the queue down as waiters leave, so the bound applies to those still waiting', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 2, maxQueue: 2 }), new MemoryFleetStore());
    await sendNow(limiter);
    await sendNow(limiter);
    const leaving = new AbortController();
    const first = limiter.acquire(KEY, far(), leaving.signal).catch((e: unknown) => e);
    const second = limiter.acquire(KEY, far());
    await jest.advanceTimersByTimeAsync(1);
    expect(limiter.waitingFor(KEY)).toBe(2);
    leaving.abort();
    expect(await first).toBeInstanceOf(OpenCxAbortError);
    expect(limiter.waitingFor(KEY)).toBe(1);
    const third = limiter.acquire(KEY, far());
    await jest.advanceTimersByTimeAsync(1);
    expect(limiter.waitingFor(KEY)).toBe(2);
    await expect(limiter.acquire(KEY, far())).rejects.toMatchObject({ reason: 'max-queue' });
    await jest.advanceTimersByTimeAsync(200_000);
    await Promise.all([second, third]);
  });

  it('costs the store nothing for a pause of 0 ms', async () => {
    const store = new MemoryFleetStore();
    const pause = jest.spyOn(store as OpenCxFleetStore, 'pause');
    await new ClientRateLimiter(settings(), store).pause(KEY, 0);
    expect(pause).not.toHaveBeenCalled();
  });

  it("counts a send in transit for the call's time limit, and at most an hour without one", async () => {
    const store = new MemoryFleetStore();
    const reserve = jest.spyOn(store as OpenCxFleetStore, 'reserve');
    const limiter = new ClientRateLimiter(settings(), store);
    await limiter.acquire(KEY, Deadline.after(5_000));
    await limiter.acquire(KEY, Deadline.after(86_400_000));
    expect(reserve.mock.calls.map((call) => call[2].maxTransit)).toEqual([5_000, 3_600_000]);
  });

  describe('holdsBack, what this instance knows without asking the store', () => {
    it('is true from a refusal until the slot it named, or until a call finds a slot free', async () => {
      const store = new MemoryFleetStore();
      const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxWait: 0 }), store);
      expect(limiter.holdsBack(KEY)).toBe(false);
      await sendNow(limiter);
      await expect(limiter.acquire(KEY, far())).rejects.toMatchObject({ reason: 'max-wait' });
      const reserve = jest.spyOn(store as OpenCxFleetStore, 'reserve');
      expect(limiter.holdsBack(KEY)).toBe(true);
      expect(limiter.holdsBack('another-key')).toBe(false);
      // The slot comes a window (and its margin) after the send.
      jest.advanceTimersByTime(60_999);
      expect(limiter.holdsBack(KEY)).toBe(true);
      jest.advanceTimersByTime(1);
      expect(limiter.holdsBack(KEY)).toBe(false);
      expect(reserve).not.toHaveBeenCalled();
      await expect(limiter.acquire(KEY, far())).resolves.toBeInstanceOf(Function);
      await expect(limiter.acquire(KEY, far())).rejects.toMatchObject({ reason: 'max-wait' });
      expect(limiter.holdsBack(KEY)).toBe(true);
      // A slot free now (another instance's sends left the window early) ends it at once.
      reserve.mockResolvedValueOnce({ granted: true, waitMs: 0 });
      await limiter.tryAcquire(KEY, 10_000);
      expect(limiter.holdsBack(KEY)).toBe(false);
    });

    it('is true while a call waits for its slot', async () => {
      const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxWait: 61_000 }), new MemoryFleetStore());
      await sendNow(limiter);
      const waiting = limiter.acquire(KEY, far());
      await jest.advanceTimersByTimeAsync(1);
      expect(limiter.holdsBack(KEY)).toBe(true);
      await jest.advanceTimersByTimeAsync(61_000);
      await waiting;
      expect(limiter.holdsBack(KEY)).toBe(false);
    });

    it('is true after a max-queue refusal, and after a time-left one', async () => {
      const queueFull = new ClientRateLimiter(settings({ maxQueue: 0 }), new MemoryFleetStore());
      await expect(queueFull.acquire(KEY, far())).rejects.toMatchObject({ reason: 'max-queue' });
      expect(queueFull.holdsBack(KEY)).toBe(true);
      const store = new MemoryFleetStore();
      jest.spyOn(store as OpenCxFleetStore, 'reserve').mockResolvedValue({ granted: true, waitMs: 5_000 });
      const shortOfTime = new ClientRateLimiter(settings(), store);
      await expect(shortOfTime.acquire(KEY, Deadline.after(5_000))).rejects.toMatchObject({ reason: 'time-left' });
      expect(shortOfTime.holdsBack(KEY)).toBe(true);
    });
  });

  describe('tryAcquire within a deadline', () => {
    it('rejects with the timeout when the store does not answer in time, and releases a grant that comes later', async () => {
      const store = new MemoryFleetStore();
      const late: { answer?: (reservation: OpenCxReservation) => void } = {};
      jest
        .spyOn(store as OpenCxFleetStore, 'reserve')
        .mockReturnValue(new Promise((resolve) => (late.answer = resolve)));
      const release = jest.spyOn(store as OpenCxFleetStore, 'release');
      const limiter = new ClientRateLimiter(settings(), store);
      const trying = limiter.tryAcquire(KEY, 10_000, Deadline.after(1_000)).catch((e: unknown) => e);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(await trying).toBeInstanceOf(OpenCxTimeoutError);
      expect(release).not.toHaveBeenCalled();
      late.answer?.({ granted: true, waitMs: 0 });
      await jest.advanceTimersByTimeAsync(0);
      expect(release.mock.calls.map((call) => call[3])).toEqual(['ended']);
    });
  });
});
