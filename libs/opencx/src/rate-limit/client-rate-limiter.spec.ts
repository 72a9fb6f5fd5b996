import { jest } from '@jest/globals';
import * as fc from 'fast-check';
import { OpenCxAbortError, OpenCxRateLimitError } from '../errors/opencx.errors.js';
import { ClientRateLimiter, type RateLimitSettings } from './client-rate-limiter.js';
import { MemoryRateLimitStore } from './rate-limit-store.js';

const KEY = 'key-hash';
const settings = (overrides: Partial<RateLimitSettings> = {}): RateLimitSettings => ({
  perMinute: 10,
  maxWait: 60_000,
  maxQueue: 1_000,
  instances: 1,
  window: 60_000,
  ...overrides,
});

/** Takes a slot and releases it at once: a request that reaches OpenCX instantly. */
const sendNow = async (limiter: ClientRateLimiter): Promise<void> => (await limiter.acquire(KEY))();

describe('MemoryRateLimitStore (the sliding log)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('never books more than `limit` sends in any window, and books the earliest slot that keeps it so', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 60 }),
        async (limit, gaps) => {
          const store = new MemoryRateLimitStore();
          const window = 1_000;
          const sends: number[] = [];
          const request = { limit, localLimit: limit, window, maxWait: 10_000, maxTransit: 60_000 };
          for (const gap of gaps) {
            jest.advanceTimersByTime(gap);
            const id = `id-${sends.length}`;
            const { granted, waitMs } = await store.reserve(KEY, id, request);
            if (granted) sends.push(Date.now() + waitMs);
            // A send granted now arrives at once.
            if (granted && waitMs === 0) await store.release(KEY, id);
          }
          sends.sort((a, b) => a - b);
          for (let i = limit; i < sends.length; i++)
            expect(sends[i]! - sends[i - limit]!).toBeGreaterThanOrEqual(window);
        },
      ),
    );
  });

  it('refuses without booking when the slot is further away than maxWait', async () => {
    const store = new MemoryRateLimitStore();
    const request = { limit: 1, localLimit: 1, window: 1_000, maxWait: 500, maxTransit: 60_000 };
    expect(await store.reserve(KEY, 'a', request)).toEqual({ granted: true, waitMs: 0 });
    await store.release(KEY, 'a');
    expect(await store.reserve(KEY, 'b', request)).toEqual({ granted: false, waitMs: 1_000 });
    jest.advanceTimersByTime(600);
    // The refused call booked nothing: the next slot is still the first send's expiry.
    expect(await store.reserve(KEY, 'c', request)).toEqual({ granted: true, waitMs: 400 });
  });

  it('never shortens a pause, and a pause never resets what was counted', async () => {
    const store = new MemoryRateLimitStore();
    const request = { limit: 10, localLimit: 10, window: 60_000, maxWait: 0, maxTransit: 60_000 };
    for (let i = 0; i < 10; i++) {
      expect((await store.reserve(KEY, `id-${i}`, request)).granted).toBe(true);
      await store.release(KEY, `id-${i}`);
    }
    await store.pause(KEY, 5_000);
    await store.pause(KEY, 1_000);
    expect(await store.pausedFor(KEY)).toBe(5_000);
    jest.advanceTimersByTime(5_500);
    expect(await store.pausedFor(KEY)).toBe(0);
    expect((await store.reserve(KEY, 'late', request)).granted).toBe(false);
  });

  it('counts a send in transit as reaching OpenCX now, then from when its request ended', async () => {
    const store = new MemoryRateLimitStore();
    const request = { limit: 1, localLimit: 1, window: 1_000, maxWait: 60_000, maxTransit: 60_000 };
    await store.reserve(KEY, 'slow', request);
    jest.advanceTimersByTime(5_000);
    // Booked a window after now, not after the send: the slow request may reach OpenCX any moment.
    expect(await store.reserve(KEY, 'next', request)).toEqual({ granted: true, waitMs: 1_000 });
    jest.advanceTimersByTime(700);
    await store.release(KEY, 'slow');
    jest.advanceTimersByTime(300);
    expect(await store.claim(KEY, 'next', request)).toBe(700);
    jest.advanceTimersByTime(700);
    expect(await store.claim(KEY, 'next', request)).toBe(0);
  });
});

describe('ClientRateLimiter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('serves a call that can be served within maxWait, after waiting for its slot', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxWait: 61_000 }), new MemoryRateLimitStore());
    await sendNow(limiter);
    let served = false;
    const second = limiter.acquire(KEY).then(() => (served = true));
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
            new MemoryRateLimitStore(),
          );
          const arrivals: number[] = [];
          const run = async ({ transit, arrivesLate }: (typeof calls)[number]): Promise<void> => {
            const release = await limiter.acquire(KEY);
            if (!arrivesLate) arrivals.push(Date.now());
            await new Promise((resolve) => setTimeout(resolve, transit));
            if (arrivesLate) arrivals.push(Date.now());
            await release();
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
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, window: 1_000 }), new MemoryRateLimitStore());
    await sendNow(limiter);
    let sentAt = 0;
    const booked = limiter.acquire(KEY).then(() => (sentAt = Date.now()));
    await jest.advanceTimersByTimeAsync(10);
    await limiter.pause(KEY, 5_000);
    await jest.runAllTimersAsync();
    await booked;
    expect(sentAt - 1_000_000).toBe(5_010);
  });

  it('frees the booking of a call that gave up its wait', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, window: 1_000 }), new MemoryRateLimitStore());
    await sendNow(limiter);
    const controller = new AbortController();
    const given = limiter.acquire(KEY, undefined, controller.signal).catch((error: unknown) => error);
    await jest.advanceTimersByTimeAsync(10);
    controller.abort();
    expect(await given).toBeInstanceOf(OpenCxAbortError);
    let sentAt = 0;
    const next = limiter.acquire(KEY).then(() => (sentAt = Date.now()));
    await jest.runAllTimersAsync();
    await next;
    // The first send's window (plus the 1/60 margin), not the abandoned booking's.
    expect(sentAt - 1_000_000).toBe(1_017);
  });

  it('fails at once, without waiting, when the slot is beyond maxWait', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxWait: 1_000 }), new MemoryRateLimitStore());
    await sendNow(limiter);
    await expect(limiter.acquire(KEY)).rejects.toBeInstanceOf(OpenCxRateLimitError);
  });

  it('bounds the queue: with maxQueue calls waiting, the next fails at once although maxWait would allow it', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxQueue: 1 }), new MemoryRateLimitStore());
    await sendNow(limiter);
    const waiting = limiter.acquire(KEY);
    await jest.advanceTimersByTimeAsync(1);
    expect(limiter.waitingFor(KEY)).toBe(1);
    await expect(limiter.acquire(KEY)).rejects.toBeInstanceOf(OpenCxRateLimitError);
    await jest.advanceTimersByTimeAsync(61_000);
    await waiting;
    expect(limiter.waitingFor(KEY)).toBe(0);
  });

  it('gives up its wait when the caller aborts', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1 }), new MemoryRateLimitStore());
    await sendNow(limiter);
    const controller = new AbortController();
    const waiting = limiter.acquire(KEY, undefined, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(OpenCxAbortError);
  });

  it('allows each instance its share of the quota when the fleet has no shared store', async () => {
    const limiter = new ClientRateLimiter(
      settings({ perMinute: 10, instances: 3, maxWait: 0 }),
      new MemoryRateLimitStore(),
    );
    let granted = 0;
    while ((await limiter.tryAcquire(KEY)) !== undefined) granted++;
    expect(granted).toBe(3);
  });

  it('holds a paused key back for every caller until the pause ends', async () => {
    const limiter = new ClientRateLimiter(settings(), new MemoryRateLimitStore());
    await limiter.pause(KEY, 2_000);
    expect(await limiter.tryAcquire(KEY)).toBeUndefined();
    jest.advanceTimersByTime(2_000);
    expect(await limiter.tryAcquire(KEY)).toBeInstanceOf(Function);
  });
});
