import type { OpenCxFleetStore } from '../src/index.js';

type OpenCxSlotRequest = Parameters<OpenCxFleetStore['reserve']>[2];

/** How a contract run makes stores and moves time for them. */
export interface FleetStoreContractSubject {
  /** A new, empty store. With `shared`, further calls before the next test share its state (another instance). */
  create(): Promise<OpenCxFleetStore> | OpenCxFleetStore;
  /** Whether stores made by `create` within one test share state, as a fleet's instances do. */
  shared: boolean;
  /** Lets `ms` pass for the store (fake timers for memory, real time for a server's clock). */
  advance(ms: number): Promise<void>;
  /** The window the cases use, in ms: long against the subject's clock resolution and round trips. */
  window: number;
}

const KEY = 'contract-key-hash';

/** Saves after a look-up, as the cache does: the look-up's stamp goes with the save. */
async function saveNow(store: OpenCxFleetStore, key: string, payload: string, value: string, ttl: number) {
  return store.save(key, payload, value, ttl, (await store.lookup(key, payload, 1)).stamp);
}

/**
 * The rules of `OpenCxFleetStore`, as cases any implementation must pass: the in-memory store's
 * spec and the Redis suite run them both, so the two cannot drift. Call inside a `describe`.
 */
export function fleetStoreContract(subject: FleetStoreContractSubject): void {
  const { window } = subject;
  const slot = (overrides: Partial<OpenCxSlotRequest> = {}): OpenCxSlotRequest => ({
    limit: 2,
    localLimit: 2,
    window,
    maxWait: 10 * window,
    maxTransit: 60_000,
    maxPause: 60_000,
    ...overrides,
  });
  /** A send that reaches OpenCX and ends at once. */
  const sendNow = async (store: OpenCxFleetStore, id: string, request = slot()): Promise<void> => {
    expect(await store.reserve(KEY, id, request)).toEqual({ granted: true, waitMs: 0 });
    await store.release(KEY, id, request, 'ended');
  };

  it('answers an entry only for the payload it was saved with, and replaces it on save', async () => {
    const store = await subject.create();
    expect((await store.lookup(KEY, 'p1', 1_000)).value).toBeUndefined();
    await saveNow(store, KEY, 'p1', 'sealed-1', 60_000);
    expect(await store.lookup(KEY, 'p1', 1_000)).toMatchObject({ value: 'sealed-1' });
    expect((await store.lookup(KEY, 'p2', 1_000)).value).toBeUndefined();
    await saveNow(store, KEY, 'p2', 'sealed-2', 60_000);
    expect((await store.lookup(KEY, 'p1', 1_000)).value).toBeUndefined();
    expect((await store.lookup(KEY, 'p2', 1_000)).value).toBe('sealed-2');
  });

  it('forgets an entry after its ttl, and on evict', async () => {
    const store = await subject.create();
    await saveNow(store, KEY, 'p', 'sealed', window);
    await saveNow(store, `${KEY}-2`, 'p', 'sealed', 60_000);
    await subject.advance(window + 50);
    expect((await store.lookup(KEY, 'p', 1_000)).value).toBeUndefined();
    await store.evict(`${KEY}-2`);
    expect((await store.lookup(`${KEY}-2`, 'p', 1_000)).value).toBeUndefined();
  });

  it('lets this instance ask OpenCX on a miss', async () => {
    const store = await subject.create();
    const found = await store.lookup(KEY, 'p', 1_000);
    expect(found.value).toBeUndefined();
    expect(found.locked).toBe(true);
  });

  if (subject.shared) {
    it("gives a contact's lock to one instance at a time, until save, unlock or its ttl", async () => {
      const [a, b] = [await subject.create(), await subject.create()];
      expect((await a.lookup(KEY, 'p', 60_000)).locked).toBe(true);
      expect((await b.lookup(KEY, 'p', 60_000)).locked).toBe(false);
      await a.unlock(KEY);
      expect((await b.lookup(KEY, 'p', window)).locked).toBe(true);
      // b's lock expires with its ttl: a may ask again.
      await subject.advance(window + 50);
      expect((await a.lookup(KEY, 'p', 60_000)).locked).toBe(true);
      await saveNow(a, KEY, 'p', 'sealed', 60_000);
      expect(await b.lookup(KEY, 'p', 60_000)).toMatchObject({ value: 'sealed' });
    });
  }

  it('grants at most `limit` sends a window, and books the next slot when the first leaves it', async () => {
    const store = await subject.create();
    await sendNow(store, 'a');
    await sendNow(store, 'b');
    const third = await store.reserve(KEY, 'c', slot());
    expect(third.granted).toBe(true);
    expect(third.waitMs).toBeGreaterThan(window * 0.7);
    expect(third.waitMs).toBeLessThanOrEqual(window);
    // Bookings count: a fourth shares the third's slot, a fifth waits for the window after it.
    const fourth = await store.reserve(KEY, 'd', slot());
    expect(fourth.waitMs).toBeLessThanOrEqual(window);
    const fifth = await store.reserve(KEY, 'e', slot());
    expect(fifth.waitMs).toBeGreaterThan(window * 1.7);
  });

  it('refuses a slot beyond maxWait without booking it', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1, maxWait: window / 2 });
    await sendNow(store, 'a', request);
    const refused = await store.reserve(KEY, 'b', request);
    expect(refused.granted).toBe(false);
    expect(refused.waitMs).toBeGreaterThan(window / 2);
    // Nothing was booked: with a long maxWait the next call gets the first send's expiry, not one after it.
    const next = await store.reserve(KEY, 'c', slot({ limit: 1, localLimit: 1 }));
    expect(next.granted).toBe(true);
    expect(next.waitMs).toBeLessThanOrEqual(window);
  });

  it('counts a send in transit as reaching OpenCX now, and holds a booked claim until it has ended', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1 });
    expect(await store.reserve(KEY, 'slow', request)).toEqual({ granted: true, waitMs: 0 });
    const next = await store.reserve(KEY, 'next', request);
    expect(next.granted).toBe(true);
    await subject.advance(next.waitMs + 20);
    // Still in transit: the claim must wait a whole window from now.
    const wait = await store.claim(KEY, 'next', request);
    expect(wait).toBeGreaterThan(window * 0.7);
    await store.release(KEY, 'slow', request, 'ended');
    await subject.advance(window + 50);
    expect(await store.claim(KEY, 'next', request)).toBe(0);
  });

  it('drops a booking released before it was sent', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1 });
    await sendNow(store, 'a', request);
    const booked = await store.reserve(KEY, 'b', request);
    await store.release(KEY, 'b', request, 'ended');
    const next = await store.reserve(KEY, 'c', request);
    // The same slot as the abandoned booking, not one after it.
    expect(next.waitMs).toBeLessThanOrEqual(booked.waitMs);
  });

  it('never shortens a pause, holds every reservation back while it lasts, and keeps what was counted', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1, maxWait: 0 });
    await sendNow(store, 'a', request);
    await store.pause(KEY, 2 * window);
    await store.pause(KEY, window / 10);
    const left = await store.pausedFor(KEY);
    expect(left).toBeGreaterThan(1.5 * window);
    expect(left).toBeLessThanOrEqual(2 * window);
    expect((await store.reserve(KEY, 'b', slot({ limit: 5, localLimit: 5, maxWait: window }))).granted).toBe(false);
    await subject.advance(2 * window + 50);
    expect(await store.pausedFor(KEY)).toBe(0);
    expect((await store.reserve(KEY, 'c', request)).granted).toBe(true);
  });

  it('keeps no answer whose look-up came before an eviction of the contact', async () => {
    const store = await subject.create();
    const before = (await store.lookup(KEY, 'p', 1_000)).stamp;
    await store.evict(KEY);
    await store.save(KEY, 'p', 'stale', 60_000, before);
    expect((await store.lookup(KEY, 'p', 1_000)).value).toBeUndefined();
    // A look-up after the eviction may save again.
    await subject.advance(5);
    await saveNow(store, KEY, 'p', 'fresh', 60_000);
    expect((await store.lookup(KEY, 'p', 1_000)).value).toBe('fresh');
  });

  it('keeps an abandoned send in transit: it may still arrive, so it counts for maxTransit more', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1, maxTransit: 2 * window });
    expect((await store.reserve(KEY, 'lost', request)).waitMs).toBe(0);
    await store.release(KEY, 'lost', request, 'abandoned');
    await subject.advance(window + 50);
    // Had it ended, its window would be over: abandoned, it still holds the slot.
    const next = await store.reserve(KEY, 'next', request);
    expect(next.waitMs).toBeGreaterThan(window / 2);
  });
}
