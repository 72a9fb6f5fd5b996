import assert from 'node:assert/strict';
import type { OpenCxFleetStore, OpenCxSlotRequest } from '../store/opencx-fleet-store.interface.js';

/** How a contract run makes stores and moves time for them. */
export interface FleetStoreContractSubject {
  /** A new store. Within one case, stores made by `create` share state when `shared` is true (a fleet's instances). */
  create(): Promise<OpenCxFleetStore> | OpenCxFleetStore;
  /** Whether stores made by `create` within one case share state, as a fleet's instances do. */
  shared: boolean;
  /** Lets `ms` pass for the store (fake timers for a store in memory, real time for a server's clock). */
  advance(ms: number): Promise<void>;
  /** The window the cases use, in ms: long against the subject's clock resolution and round trips. */
  window: number;
}

/** The test runner's `it` (jest, vitest, mocha, `node:test`): the suite registers one case per rule. */
export interface FleetStoreContractRunner {
  /** Registers one case. */
  it: (name: string, test: () => Promise<void>) => unknown;
}

const KEY = 'contract-key-hash';
/** How long after an eviction a look-up is known to come after it, whatever store: a second. */
const AFTER_EVICTION = 1_050;

/** Saves after a look-up, as the cache does: the look-up's stamp goes with the save. */
async function saveNow(store: OpenCxFleetStore, key: string, payload: string, entry: string, ttl: number) {
  return store.save(key, payload, entry, ttl, (await store.lookup(key, payload, 1_000)).stamp);
}

/** The entry a look-up finds for `key` and `payload`. */
async function value(store: OpenCxFleetStore, key: string, payload: string): Promise<string | undefined> {
  return (await store.lookup(key, payload, 1_000)).value;
}

/**
 * The rules of {@link OpenCxFleetStore} as cases any implementation must pass; the library runs
 * them against its in-memory and Redis stores, so the two cannot drift. Call it where your runner
 * takes cases (inside a `describe`), with a fresh, empty back end for each case. It uses
 * `node:assert` only: any runner will do.
 *
 * @example
 * describe('my store', () => runFleetStoreContract({ create, shared: true, advance, window: 400 }, { it }));
 */
export function runFleetStoreContract(subject: FleetStoreContractSubject, { it }: FleetStoreContractRunner): void {
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
    assert.deepEqual(await store.reserve(KEY, id, request), { granted: true, waitMs: 0 });
    await store.release(KEY, id, request, 'ended');
  };

  it('answers an entry only for the payload it was saved with, and replaces it on save', async () => {
    const store = await subject.create();
    assert.equal(await value(store, KEY, 'p1'), undefined);
    await saveNow(store, KEY, 'p1', 'sealed-1', 60_000);
    assert.equal(await value(store, KEY, 'p1'), 'sealed-1');
    assert.equal(await value(store, KEY, 'p2'), undefined);
    await saveNow(store, KEY, 'p2', 'sealed-2', 60_000);
    assert.equal(await value(store, KEY, 'p1'), undefined);
    assert.equal(await value(store, KEY, 'p2'), 'sealed-2');
  });

  it('forgets an entry after its ttl, and on evict', async () => {
    const store = await subject.create();
    await saveNow(store, KEY, 'p', 'sealed', window);
    await saveNow(store, `${KEY}-2`, 'p', 'sealed', 60_000);
    await subject.advance(window + 50);
    assert.equal(await value(store, KEY, 'p'), undefined);
    await store.evict(`${KEY}-2`);
    assert.equal(await value(store, `${KEY}-2`, 'p'), undefined);
  });

  it('lets this instance ask OpenCX on a miss', async () => {
    const store = await subject.create();
    const found = await store.lookup(KEY, 'p', 1_000);
    assert.equal(found.value, undefined);
    assert.equal(found.locked, true);
  });

  if (subject.shared) {
    it("gives a contact's lock to one instance at a time, until save, unlock or its ttl", async () => {
      const [a, b] = [await subject.create(), await subject.create()];
      assert.equal((await a.lookup(KEY, 'p', 60_000)).locked, true);
      assert.equal((await b.lookup(KEY, 'p', 60_000)).locked, false);
      await a.unlock(KEY);
      assert.equal((await b.lookup(KEY, 'p', window)).locked, true);
      // b's lock expires with its ttl: a may ask again.
      await subject.advance(window + 50);
      assert.equal((await a.lookup(KEY, 'p', 60_000)).locked, true);
      await saveNow(a, KEY, 'p', 'sealed', 60_000);
      assert.equal(await value(b, KEY, 'p'), 'sealed');
    });
  }

  it('grants at most `limit` sends a window, and books the next slot when the first leaves it', async () => {
    const store = await subject.create();
    await sendNow(store, 'a');
    await sendNow(store, 'b');
    const third = await store.reserve(KEY, 'c', slot());
    assert.equal(third.granted, true);
    assert.ok(third.waitMs > window * 0.7 && third.waitMs <= window, `third waits ${third.waitMs} ms`);
    // Bookings count: a fourth shares the third's slot, a fifth waits for the window after it.
    const fourth = await store.reserve(KEY, 'd', slot());
    assert.ok(fourth.waitMs <= window, `fourth waits ${fourth.waitMs} ms`);
    const fifth = await store.reserve(KEY, 'e', slot());
    assert.ok(fifth.waitMs > window * 1.7, `fifth waits ${fifth.waitMs} ms`);
  });

  it('refuses a slot beyond maxWait without booking it', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1, maxWait: window / 2 });
    await sendNow(store, 'a', request);
    const refused = await store.reserve(KEY, 'b', request);
    assert.equal(refused.granted, false);
    assert.ok(refused.waitMs > window / 2, `refused with a wait of ${refused.waitMs} ms`);
    // Nothing was booked: with a long maxWait the next call gets the first send's expiry, not one after it.
    const next = await store.reserve(KEY, 'c', slot({ limit: 1, localLimit: 1 }));
    assert.equal(next.granted, true);
    assert.ok(next.waitMs <= window, `next waits ${next.waitMs} ms`);
  });

  it('counts a send in transit as reaching OpenCX now, and holds a booked claim until it has ended', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1 });
    assert.deepEqual(await store.reserve(KEY, 'slow', request), { granted: true, waitMs: 0 });
    const next = await store.reserve(KEY, 'next', request);
    assert.equal(next.granted, true);
    await subject.advance(next.waitMs + 20);
    // Still in transit: the claim must wait a whole window from now.
    const wait = await store.claim(KEY, 'next', request);
    assert.ok(wait > window * 0.7, `claim waits ${wait} ms`);
    await store.release(KEY, 'slow', request, 'ended');
    await subject.advance(window + 50);
    assert.equal(await store.claim(KEY, 'next', request), 0);
  });

  it('drops a booking released before it was sent', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1 });
    await sendNow(store, 'a', request);
    const booked = await store.reserve(KEY, 'b', request);
    await store.release(KEY, 'b', request, 'ended');
    const next = await store.reserve(KEY, 'c', request);
    // The same slot as the abandoned booking, not one after it.
    assert.ok(next.waitMs <= booked.waitMs, `next waits ${next.waitMs} ms, the booking ${booked.waitMs} ms`);
  });

  it('never shortens a pause, holds every reservation back while it lasts, and keeps what was counted', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1, maxWait: 0 });
    await sendNow(store, 'a', request);
    await store.pause(KEY, 2 * window);
    await store.pause(KEY, window / 10);
    const left = await store.pausedFor(KEY);
    assert.ok(left > 1.5 * window && left <= 2 * window, `paused for ${left} ms`);
    const wide = slot({ limit: 5, localLimit: 5, maxWait: window });
    assert.equal((await store.reserve(KEY, 'b', wide)).granted, false);
    await subject.advance(2 * window + 50);
    assert.equal(await store.pausedFor(KEY), 0);
    assert.equal((await store.reserve(KEY, 'c', request)).granted, true);
  });

  it('keeps no answer whose look-up came before an eviction of the contact', async () => {
    const store = await subject.create();
    const before = (await store.lookup(KEY, 'p', 1_000)).stamp;
    await store.evict(KEY);
    await store.save(KEY, 'p', 'stale', 60_000, before);
    assert.equal(await value(store, KEY, 'p'), undefined);
    // A look-up a second after the eviction may save again (a fleet's instances agree on time that well).
    await subject.advance(AFTER_EVICTION);
    await saveNow(store, KEY, 'p', 'fresh', 60_000);
    assert.equal(await value(store, KEY, 'p'), 'fresh');
  });

  it("orders a look-up and an eviction across keys: a note added with another key's stamp", async () => {
    const store = await subject.create();
    const note = `${KEY}-note`;
    // A contact id's note is added to with its contact's stamp: refused when the note was evicted after.
    const first = (await store.lookup(KEY, 'p', 1_000)).stamp;
    assert.equal(await store.note(note, KEY, 60_000, first), true);
    assert.equal(await store.noted(note, KEY), true);
    assert.equal(await store.noted(note, 'another key'), false);
    assert.deepEqual(await store.evictNote(note), [KEY]);
    assert.equal(await store.noted(note, KEY), false);
    assert.equal(await store.note(note, KEY, 60_000, first), false);
    assert.deepEqual(await store.evictNote(note), []);
    await subject.advance(AFTER_EVICTION);
    const later = (await store.lookup(KEY, 'p', 1_000)).stamp;
    assert.equal(await store.note(note, KEY, 60_000, later), true);
    assert.deepEqual(await store.evictNote(note), [KEY]);
  });

  it('keeps every member of a note until it is evicted, and marks it evicted as it answers them', async () => {
    const store = await subject.create();
    const other = subject.shared ? await subject.create() : store;
    const note = `${KEY}-note`;
    const stamp = (await store.lookup(KEY, 'p', 1_000)).stamp;
    assert.equal(await store.note(note, 'a', 60_000, stamp), true);
    assert.equal(await other.note(note, 'b', 60_000, (await other.lookup(KEY, 'p', 1_000)).stamp), true);
    assert.equal(await store.note(note, 'a', 60_000, stamp), true);
    assert.deepEqual((await other.evictNote(note)).toSorted(), ['a', 'b']);
    // The note's key is marked evicted for every instance: a save stamped before it is refused too.
    await store.save(note, 'p', 'stale', 60_000, stamp);
    assert.equal(await value(store, note, 'p'), undefined);
  });

  it('keeps a note for the longest ttl any add asked for, then forgets it', async () => {
    const store = await subject.create();
    const stamp = (await store.lookup(KEY, 'p', 1_000)).stamp;
    assert.equal(await store.note(`${KEY}-long`, KEY, 3 * window, stamp), true);
    assert.equal(await store.note(`${KEY}-short`, KEY, 3 * window, stamp), true);
    assert.equal(await store.note(`${KEY}-short`, 'b', window, stamp), true);
    await subject.advance(2 * window);
    assert.deepEqual(await store.evictNote(`${KEY}-long`), [KEY]);
    assert.deepEqual((await store.evictNote(`${KEY}-short`)).toSorted(), [KEY, 'b'].toSorted());
    assert.equal(await store.note(`${KEY}-gone`, KEY, window, stamp), true);
    await subject.advance(2 * window);
    assert.deepEqual(await store.evictNote(`${KEY}-gone`), []);
  });

  it('keeps an abandoned send in transit: it may still arrive, so it counts for maxTransit more', async () => {
    const store = await subject.create();
    const request = slot({ limit: 1, localLimit: 1, maxTransit: 2 * window });
    assert.equal((await store.reserve(KEY, 'lost', request)).waitMs, 0);
    await store.release(KEY, 'lost', request, 'abandoned');
    await subject.advance(window + 50);
    // Had it ended, its window would be over: abandoned, it still holds the slot.
    const next = await store.reserve(KEY, 'next', request);
    assert.ok(next.waitMs > window / 2, `next waits ${next.waitMs} ms`);
  });
}
