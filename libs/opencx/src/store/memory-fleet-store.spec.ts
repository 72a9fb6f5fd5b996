import { jest } from '@jest/globals';
import * as fc from 'fast-check';
import { runFleetStoreContract } from '../testing/fleet-store.contract.js';
import { MemoryFleetStore } from './memory-fleet-store.js';
import { earliestSlot } from './sliding-log.js';
import type { OpenCxSlotRequest } from './opencx-fleet-store.interface.js';

const KEY = 'key-hash';

describe('MemoryFleetStore: the fleet-store contract', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());
  runFleetStoreContract(
    {
      create: () => new MemoryFleetStore(),
      shared: false,
      advance: async (ms) => {
        jest.advanceTimersByTime(ms);
      },
      window: 1_000,
    },
    { it },
  );
});

describe('MemoryFleetStore: the sliding log', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('never books more than `limit` sends in any window, and books the earliest slot that keeps it so', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 3_000 }), { minLength: 1, maxLength: 60 }),
        async (limit, gaps) => {
          const store = new MemoryFleetStore();
          const window = 1_000;
          const sends: number[] = [];
          const request = { limit, localLimit: limit, window, maxWait: 10_000, maxTransit: 60_000, maxPause: 60_000 };
          for (const gap of gaps) {
            jest.advanceTimersByTime(gap);
            const id = `id-${sends.length}`;
            const { granted, waitMs } = await store.reserve(KEY, id, request);
            if (granted) sends.push(Date.now() + waitMs);
            // A send granted now arrives at once.
            if (granted && waitMs === 0) await store.release(KEY, id, request, 'ended');
          }
          sends.sort((a, b) => a - b);
          for (let i = limit; i < sends.length; i++)
            expect(sends[i]! - sends[i - limit]!).toBeGreaterThanOrEqual(window);
        },
      ),
    );
  });

  it('refuses without booking when the slot is further away than maxWait', async () => {
    const store = new MemoryFleetStore();
    const request = { limit: 1, localLimit: 1, window: 1_000, maxWait: 500, maxTransit: 60_000, maxPause: 60_000 };
    expect(await store.reserve(KEY, 'a', request)).toEqual({ granted: true, waitMs: 0 });
    await store.release(KEY, 'a', request, 'ended');
    expect(await store.reserve(KEY, 'b', request)).toEqual({ granted: false, waitMs: 1_000 });
    jest.advanceTimersByTime(600);
    // The refused call booked nothing: the next slot is still the first send's expiry.
    expect(await store.reserve(KEY, 'c', request)).toEqual({ granted: true, waitMs: 400 });
  });

  it('never shortens a pause, and a pause never resets what was counted', async () => {
    const store = new MemoryFleetStore();
    const request = { limit: 10, localLimit: 10, window: 60_000, maxWait: 0, maxTransit: 60_000, maxPause: 60_000 };
    for (let i = 0; i < 10; i++) {
      expect((await store.reserve(KEY, `id-${i}`, request)).granted).toBe(true);
      await store.release(KEY, `id-${i}`, request, 'ended');
    }
    await store.pause(KEY, 5_000);
    await store.pause(KEY, 1_000);
    expect(await store.pausedFor(KEY)).toBe(5_000);
    jest.advanceTimersByTime(5_500);
    expect(await store.pausedFor(KEY)).toBe(0);
    expect((await store.reserve(KEY, 'late', request)).granted).toBe(false);
  });

  it('counts a send in transit as reaching OpenCX now, then from when its request ended', async () => {
    const store = new MemoryFleetStore();
    const request = { limit: 1, localLimit: 1, window: 1_000, maxWait: 60_000, maxTransit: 60_000, maxPause: 60_000 };
    await store.reserve(KEY, 'slow', request);
    jest.advanceTimersByTime(5_000);
    // Booked a window after now, not after the send: the slow request may reach OpenCX any moment.
    expect(await store.reserve(KEY, 'next', request)).toEqual({ granted: true, waitMs: 1_000 });
    jest.advanceTimersByTime(700);
    await store.release(KEY, 'slow', request, 'ended');
    jest.advanceTimersByTime(300);
    expect(await store.claim(KEY, 'next', request)).toBe(700);
    jest.advanceTimersByTime(700);
    expect(await store.claim(KEY, 'next', request)).toBe(0);
  });
});

describe('MemoryFleetStore: the token cache', () => {
  it('keeps at most maxEntries contacts, dropping the least recently used', async () => {
    const store = new MemoryFleetStore(2);
    await store.save('a', 'p', 'a', 60_000, 0);
    await store.save('b', 'p', 'b', 60_000, 0);
    await store.lookup('a', 'p'); // a is now the most recently used
    await store.save('c', 'p', 'c', 60_000, 0);
    expect((await store.lookup('a', 'p')).value).toBe('a');
    expect((await store.lookup('b', 'p')).value).toBeUndefined();
    expect((await store.lookup('c', 'p')).value).toBe('c');
  });

  it("keeps notes beside the entries, and drops a note's entries with it when full: none outlives its note", async () => {
    const store = new MemoryFleetStore(2);
    const keep = async (key: string, note: string) => {
      const { stamp } = await store.lookup(key, 'p');
      await store.note(note, key, 60_000, stamp);
      await store.save(key, 'p', `v-${key}`, 60_000, stamp);
    };
    await keep('busy', 'n-busy');
    await keep('a', 'n-a');
    // Hits refresh the busy entry only: its note is the oldest when a third note comes.
    expect((await store.lookup('busy', 'p')).value).toBe('v-busy');
    await keep('b', 'n-b');
    expect((await store.lookup('busy', 'p')).value).toBeUndefined();
    expect(await store.evictNote('n-busy')).toEqual([]);
    expect(await store.evictNote('n-a')).toEqual(['a']);
  });

  it('drops expired entries first, so a full cache holds only live tokens', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const store = new MemoryFleetStore(2);
      await store.save('short', 'p', 'short', 1_000, 0);
      await store.save('long', 'p', 'long', 60_000, 0);
      jest.advanceTimersByTime(1_001);
      await store.save('new', 'p', 'new', 60_000, 0);
      expect((await store.lookup('long', 'p')).value).toBe('long');
      expect((await store.lookup('new', 'p')).value).toBe('new');
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('MemoryFleetStore: a wall-clock step', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());
  const request = { limit: 2, localLimit: 2, window: 60_000, maxWait: 0, maxTransit: 60_000, maxPause: 60_000 };

  it('frees no slot when the clock jumps forward, and blocks none when it jumps back', async () => {
    const store = new MemoryFleetStore();
    for (const id of ['a', 'b']) {
      await store.reserve(KEY, id, request);
      await store.release(KEY, id, request, 'ended');
    }
    jest.setSystemTime(Date.now() + 61_000);
    expect((await store.reserve(KEY, 'after +61 s', request)).granted).toBe(false);
    jest.setSystemTime(Date.now() - 3_600_000);
    jest.advanceTimersByTime(60_001);
    expect((await store.reserve(KEY, 'a window later, after -1 h', request)).granted).toBe(true);
  });

  it('keeps cached entries for their ttl whatever the wall clock does', async () => {
    const store = new MemoryFleetStore();
    await store.save('k', 'p', 'v', 10_000, 0);
    jest.setSystemTime(Date.now() + 3_600_000);
    expect((await store.lookup('k', 'p')).value).toBe('v');
    jest.advanceTimersByTime(10_001);
    expect((await store.lookup('k', 'p')).value).toBeUndefined();
  });
});

describe('MemoryFleetStore: bounds and boundaries', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());
  const request: OpenCxSlotRequest = {
    limit: 1,
    localLimit: 1,
    window: 1_000,
    maxWait: 60_000,
    maxTransit: 2_000,
    maxPause: 60_000,
  };

  it('finds the earliest slot from times in any order', () => {
    expect(earliestSlot([300, 100, 200], 0, 2, 1_000)).toBe(1_200);
    expect(earliestSlot([100, 300, 200], 0, 3, 1_000)).toBe(1_100);
    expect(earliestSlot([100], 0, 2, 1_000)).toBe(0);
  });

  it('misses an entry the moment its ttl has passed', async () => {
    const store = new MemoryFleetStore(10);
    await store.save('a', 'p', 'a', 100, 0);
    jest.advanceTimersByTime(99);
    expect((await store.lookup('a', 'p')).value).toBe('a');
    jest.advanceTimersByTime(1);
    expect((await store.lookup('a', 'p')).value).toBeUndefined();
  });

  it('counts a re-saved contact as recently used', async () => {
    const store = new MemoryFleetStore(2);
    await store.save('a', 'p', 'a1', 60_000, 0);
    await store.save('b', 'p', 'b', 60_000, 0);
    await store.save('a', 'p', 'a2', 60_000, 0);
    await store.save('c', 'p', 'c', 60_000, 0);
    expect((await store.lookup('a', 'p')).value).toBe('a2');
    expect((await store.lookup('b', 'p')).value).toBeUndefined();
  });

  it('keeps an eviction marker by age, not count: evicting other contacts lets no answer looked up before it be kept', async () => {
    const store = new MemoryFleetStore(2);
    const before = (await store.lookup('a', 'p', 5_000)).stamp;
    jest.advanceTimersByTime(1);
    await store.evict('a');
    // More evictions than the cache holds contacts, while the call that looked up `a` is in flight.
    for (const other of ['b', 'c', 'd']) await store.evict(other);
    jest.advanceTimersByTime(4_000);
    await store.save('a', 'p', 'late', 60_000, before);
    expect((await store.lookup('a', 'p', 1_000)).value).toBeUndefined();
    // A look-up after the eviction saves as usual.
    const after = (await store.lookup('a', 'p', 1_000)).stamp;
    await store.save('a', 'p', 'fresh', 60_000, after);
    expect((await store.lookup('a', 'p', 1_000)).value).toBe('fresh');
  });

  it('forgets an eviction marker once no call that looked up before it can still save', async () => {
    const store = new MemoryFleetStore(2);
    await store.lookup('a', 'p', 1_000);
    await store.evict('a');
    // The longest lock asked for, and a second's margin.
    jest.advanceTimersByTime(2_001);
    // Later evictions prune it: the marker map holds only what a call in flight may still need.
    await store.evict('b');
    expect(store.evictionMarkers()).toBe(1);
  });

  it('counts an abandoned send until it can no longer arrive, then a window on', async () => {
    const store = new MemoryFleetStore();
    await store.reserve(KEY, 'one', request);
    jest.advanceTimersByTime(500);
    await store.release(KEY, 'one', request, 'abandoned');
    jest.advanceTimersByTime(100);
    // It may arrive until 500 + 2000 ms: the next slot is a window after that.
    expect(await store.reserve(KEY, 'two', request)).toEqual({ granted: true, waitMs: 2_900 });
  });

  it('hands on the sends of the last window, with the time each counts from', async () => {
    const store = new MemoryFleetStore();
    store.recordSend(KEY, 'real-1', request);
    store.recordSend('other', 'in-transit', request);
    jest.advanceTimersByTime(300);
    await store.release(KEY, 'real-1', request, 'ended');
    jest.advanceTimersByTime(200);
    expect(store.recentSends(KEY, 1_000)).toEqual([['real-1', -200]]);
    expect(store.recentSends(KEY, 200)).toEqual([]);
    // Still in transit: it counts until the latest it may arrive.
    expect(store.recentSends('other', 1_000)).toEqual([['in-transit', 1_500]]);
    expect(store.recentSends('unused', 1_000)).toEqual([]);
    expect(store.keysSentOn()).toEqual([KEY, 'other']);
    jest.advanceTimersByTime(3_000);
    expect(store.keysSentOn()).toEqual([]);
  });

  it("books after a start and within a share of a fleet store's choosing", async () => {
    const store = new MemoryFleetStore();
    const three = { ...request, localLimit: 3 };
    const start = performance.now() + 400;
    expect(store.reserveAfter(KEY, 'a', three, start, 1)).toEqual({ granted: true, waitMs: 400 });
    expect(store.slotFor(KEY, three, 1, true)).toBe(start + 1_000);
    expect(store.slotFor(KEY, three, 1, false)).toBe(performance.now());
    expect(store.claimAfter(KEY, 'a', three, start, 1)).toBe(400);
    jest.advanceTimersByTime(400);
    expect(store.claimAfter(KEY, 'a', three, start, 1)).toBe(0);
    expect(store.reserveAfter(KEY, 'b', three, 0, 1)).toEqual({ granted: true, waitMs: 1_000 });
    store.bookAt('c', 'x', performance.now(), request);
    expect(store.recentSends('c', 1_000)).toEqual([['x', 2_000]]);
  });

  it('counts a send another store granted, so the slot after it waits a window', async () => {
    const store = new MemoryFleetStore();
    store.recordSend(KEY, 'elsewhere', request);
    await store.release(KEY, 'elsewhere', request, 'ended');
    expect(await store.reserve(KEY, 'here', request)).toEqual({ granted: true, waitMs: 1_000 });
  });
});
