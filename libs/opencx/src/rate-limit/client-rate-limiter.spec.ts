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
          for (const gap of gaps) {
            jest.advanceTimersByTime(gap);
            const { granted, waitMs } = await store.reserve(KEY, { limit, localLimit: limit, window, maxWait: 10_000 });
            if (granted) sends.push(Date.now() + waitMs);
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
    const request = { limit: 1, localLimit: 1, window: 1_000, maxWait: 500 };
    expect(await store.reserve(KEY, request)).toEqual({ granted: true, waitMs: 0 });
    expect(await store.reserve(KEY, request)).toEqual({ granted: false, waitMs: 1_000 });
    jest.advanceTimersByTime(600);
    // The refused call booked nothing: the next slot is still the first send's expiry.
    expect(await store.reserve(KEY, request)).toEqual({ granted: true, waitMs: 400 });
  });

  it('never shortens a pause, and a pause never resets what was counted', async () => {
    const store = new MemoryRateLimitStore();
    const request = { limit: 10, localLimit: 10, window: 60_000, maxWait: 0 };
    for (let i = 0; i < 10; i++) expect((await store.reserve(KEY, request)).granted).toBe(true);
    await store.pause(KEY, 5_000);
    await store.pause(KEY, 1_000);
    expect(await store.pausedFor(KEY)).toBe(5_000);
    jest.advanceTimersByTime(5_500);
    expect(await store.pausedFor(KEY)).toBe(0);
    expect((await store.reserve(KEY, request)).granted).toBe(false);
  });
});

describe('ClientRateLimiter', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('serves a call that can be served within maxWait, after waiting for its slot', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxWait: 61_000 }), new MemoryRateLimitStore());
    await limiter.acquire(KEY);
    let served = false;
    const second = limiter.acquire(KEY).then(() => (served = true));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(served).toBe(false);
    // The log's window is 1/60 longer than the upstream's: a second of margin per minute.
    await jest.advanceTimersByTimeAsync(1_000);
    await second;
    expect(served).toBe(true);
  });

  it('fails at once, without waiting, when the slot is beyond maxWait', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxWait: 1_000 }), new MemoryRateLimitStore());
    await limiter.acquire(KEY);
    await expect(limiter.acquire(KEY)).rejects.toBeInstanceOf(OpenCxRateLimitError);
  });

  it('bounds the queue: with maxQueue calls waiting, the next fails at once although maxWait would allow it', async () => {
    const limiter = new ClientRateLimiter(settings({ perMinute: 1, maxQueue: 1 }), new MemoryRateLimitStore());
    await limiter.acquire(KEY);
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
    await limiter.acquire(KEY);
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
    while (await limiter.tryAcquire(KEY)) granted++;
    expect(granted).toBe(3);
  });

  it('holds a paused key back for every caller until the pause ends', async () => {
    const limiter = new ClientRateLimiter(settings(), new MemoryRateLimitStore());
    await limiter.pause(KEY, 2_000);
    expect(await limiter.tryAcquire(KEY)).toBe(false);
    jest.advanceTimersByTime(2_000);
    expect(await limiter.tryAcquire(KEY)).toBe(true);
  });
});
