import { jest } from '@jest/globals';
import type { OpenCxFleetStore } from '../index.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import { runFleetStoreContract } from './fleet-store.contract.js';

/** The cases the contract registers, through a runner that only collects them (any runner's `it` will do). */
function casesFor(create: () => OpenCxFleetStore): Map<string, () => Promise<void>> {
  const cases = new Map<string, () => Promise<void>>();
  runFleetStoreContract(
    {
      create,
      shared: false,
      window: 1_000,
      advance: async (ms) => {
        jest.advanceTimersByTime(ms);
      },
    },
    { it: (name, test) => cases.set(name, test) },
  );
  return cases;
}

/** A custom store written from the public types alone: one that forgets evictions. */
function careless(): OpenCxFleetStore {
  const inner = new MemoryFleetStore();
  return {
    lookup: (key, payload, lockTtl) => inner.lookup(key, payload, lockTtl),
    save: (key, payload, value, ttlMs) => inner.save(key, payload, value, ttlMs, Number.POSITIVE_INFINITY),
    unlock: () => inner.unlock(),
    evict: (key) => inner.evict(key),
    note: (key, member, ttlMs) => inner.note(key, member, ttlMs, Number.POSITIVE_INFINITY),
    noted: (key, member) => inner.noted(key, member),
    evictNote: (key) => inner.evictNote(key),
    reserve: (key, id, request) => inner.reserve(key, id, request),
    claim: (key, id, request) => inner.claim(key, id, request),
    release: (key, id, request, outcome) => inner.release(key, id, request, outcome),
    pause: (key, ms) => inner.pause(key, ms),
    pausedFor: (key) => inner.pausedFor(key),
  };
}

describe('runFleetStoreContract', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('takes its cases to any runner, and a sound store passes them', async () => {
    const cases = casesFor(() => new MemoryFleetStore());
    expect(cases.size).toBeGreaterThanOrEqual(10);
    for (const test of cases.values()) await test();
  });

  it('fails a store that keeps an answer looked up before an eviction, with an assertion of its own', async () => {
    const cases = casesFor(careless);
    const eviction = cases.get('keeps no answer whose look-up came before an eviction of the contact');
    await expect(eviction!()).rejects.toMatchObject({ name: 'AssertionError' });
    await expect(cases.get('lets this instance ask OpenCX on a miss')!()).resolves.toBeUndefined();
  });
});
