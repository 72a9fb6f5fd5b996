import { monotonicNow } from '../util/clock.js';
import type {
  OpenCxFleetStore,
  OpenCxReservation,
  OpenCxSendOutcome,
  OpenCxSlotRequest,
  OpenCxStoreLookup,
} from './opencx-fleet-store.interface.js';
import { SlidingLogs } from './sliding-log.js';

/** Contacts a `MemoryFleetStore` keeps when not told otherwise (see the `cache.maxEntries` option). */
const DEFAULT_MAX_ENTRIES = 100_000;

/** The longest a call may take (the longest `totalTimeout`): no look-up's lock outlives it. */
const LONGEST_CALL = 3_600_000;
/** How long an eviction marker outlives the longest call seen, for a save a little past its lock. */
const MARKER_MARGIN = 1_000;
/** Every log is swept at most this often (keys used once must not accumulate). */
const SWEEP_INTERVAL = 1_000;

/** A note's members: most contacts have one token, kept as a string (a `Set` costs a few hundred bytes). */
type Members = string | Set<string>;
const membersOf = (members: Members): string[] => (typeof members === 'string' ? [members] : [...members]);

/**
 * The fleet store of one process, and the default: tokens in an LRU of at most `maxEntries`
 * contacts (a `Map` keeps insertion order, so moving an entry to the end on each read makes its
 * first key the least recently used), the sliding log and the pauses in maps. Its lock is always
 * free: single-flight within the process already makes one call per contact. Every time is on a
 * monotonic clock, so a wall-clock step changes nothing; a stamp is the look-up's time on it.
 *
 * An eviction is remembered for as long as a call that looked up before it may still save (the
 * longest lock a look-up asked for, and a margin), however many other contacts are evicted.
 */
export class MemoryFleetStore implements OpenCxFleetStore {
  private readonly entries = new Map<string, { payload: string; value: string; expiresAt: number }>();
  /** Notes (sets of entry keys), least recently added to first; at most `maxEntries`. */
  private readonly notes = new Map<string, { members: Members; expiresAt: number }>();
  /** Evicted contacts, in the order of their last eviction, with its time. */
  private readonly evictedAt = new Map<string, number>();
  private readonly logs = new SlidingLogs();
  private readonly pauses = new Map<string, number>();
  private longestLock = 0;

  /** @param maxEntries contacts kept before the least recently used goes. Default 100000. */
  constructor(private readonly maxEntries: number = DEFAULT_MAX_ENTRIES) {}

  /** Never degraded: it has no back end to lose. */
  readonly degraded = false;

  lookup(key: string, payload: string, lockTtl = 0): Promise<OpenCxStoreLookup> {
    const now = monotonicNow();
    this.longestLock = Math.max(this.longestLock, Math.min(Number.isFinite(lockTtl) ? lockTtl : 0, LONGEST_CALL));
    const item = this.entries.get(key);
    this.entries.delete(key);
    const live = item && item.expiresAt > now ? item : undefined;
    if (live) this.entries.set(key, live);
    return Promise.resolve({ value: live?.payload === payload ? live.value : undefined, locked: true, stamp: now });
  }

  save(key: string, payload: string, value: string, ttlMs: number, stamp: number): Promise<void> {
    // Evicted after the look-up: the answer may be the evicted contact's, so it is not kept.
    if (!this.mayKeep(key, stamp)) return Promise.resolve();
    const now = monotonicNow();
    this.entries.delete(key);
    this.entries.set(key, { payload, value, expiresAt: now + ttlMs });
    // The least recently used go first: expired ones at the front, then the oldest if still full.
    for (const [oldest, entry] of this.entries) {
      if (entry.expiresAt > now && this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return Promise.resolve();
  }

  unlock(): Promise<void> {
    return Promise.resolve();
  }

  evict(key: string): Promise<void> {
    this.entries.delete(key);
    this.mark(key);
    return Promise.resolve();
  }

  note(key: string, member: string, ttlMs: number, stamp: number): Promise<boolean> {
    if (!this.mayKeep(key, stamp)) return Promise.resolve(false);
    const now = monotonicNow();
    const found = this.notes.get(key);
    this.notes.delete(key);
    const note = found && found.expiresAt > now ? found : { members: member, expiresAt: now };
    if (typeof note.members !== 'string') note.members.add(member);
    else if (note.members !== member) note.members = new Set([note.members, member]);
    note.expiresAt = Math.max(note.expiresAt, now + ttlMs);
    this.notes.set(key, note);
    for (const [oldest, { members, expiresAt }] of this.notes) {
      if (expiresAt > now && this.notes.size <= this.maxEntries) break;
      this.notes.delete(oldest);
      // No entry outlives its note: one dropped early (the store is full) takes its members along.
      for (const dropped of membersOf(members)) this.entries.delete(dropped);
    }
    return Promise.resolve(true);
  }

  noted(key: string, member: string): Promise<boolean> {
    const note = this.notes.get(key);
    const has = (members: Members): boolean => (typeof members === 'string' ? members === member : members.has(member));
    return Promise.resolve(note !== undefined && note.expiresAt > monotonicNow() && has(note.members));
  }

  evictNote(key: string): Promise<string[]> {
    const note = this.notes.get(key);
    this.notes.delete(key);
    const members = note && note.expiresAt > monotonicNow() ? membersOf(note.members) : [];
    this.mark(key);
    return Promise.resolve(members);
  }

  /** Marks `key` evicted now, and forgets markers no call that may still save can need. */
  private mark(key: string): void {
    const now = monotonicNow();
    this.evictedAt.delete(key);
    this.evictedAt.set(key, now);
    // Oldest first: a marker older than any call that may still save is of no use.
    for (const [oldest, at] of this.evictedAt) {
      if (now - at <= this.longestLock + MARKER_MARGIN) break;
      this.evictedAt.delete(oldest);
    }
  }

  reserve(key: string, id: string, request: OpenCxSlotRequest): Promise<OpenCxReservation> {
    return Promise.resolve(this.reserveAfter(key, id, request, 0, request.localLimit));
  }

  claim(key: string, id: string, request: OpenCxSlotRequest): Promise<number> {
    return Promise.resolve(this.claimAfter(key, id, request, 0, request.localLimit));
  }

  release(key: string, id: string, request: OpenCxSlotRequest, outcome: OpenCxSendOutcome): Promise<void> {
    this.logs.release(key, id, monotonicNow(), request, outcome);
    return Promise.resolve();
  }

  pause(key: string, ms: number): Promise<void> {
    const until = monotonicNow() + ms;
    if (until > this.pauseEnd(key)) this.pauses.set(key, until);
    return Promise.resolve();
  }

  pausedFor(key: string): Promise<number> {
    const left = this.pauseEnd(key) - monotonicNow();
    if (left <= 0) this.pauses.delete(key);
    return Promise.resolve(Math.max(0, left));
  }

  /** Eviction markers kept (for tests of their bound). */
  evictionMarkers(): number {
    return this.evictedAt.size;
  }

  /**
   * Books the earliest slot at or after `notBefore` that keeps `key` within `limit` (bookings,
   * sends and the pause), or refuses beyond `maxWait`: {@link reserve} with a share and a start
   * of a fleet store's choosing.
   */
  reserveAfter(
    key: string,
    id: string,
    request: OpenCxSlotRequest,
    notBefore: number,
    limit: number,
  ): OpenCxReservation {
    const now = monotonicNow();
    this.logs.sweep(now, SWEEP_INTERVAL);
    const at = Math.max(this.logs.slot(key, now, request, limit, true), this.pauseEnd(key), notBefore);
    if (at - now > request.maxWait) return { granted: false, waitMs: at - now };
    this.logs.book(key, id, at, now, request);
    return { granted: true, waitMs: at - now };
  }

  /** {@link claim} with a share and a start of a fleet store's choosing (see {@link reserveAfter}). */
  claimAfter(key: string, id: string, request: OpenCxSlotRequest, notBefore: number, limit: number): number {
    const now = monotonicNow();
    const at = Math.max(this.logs.slot(key, now, request, limit, false), this.pauseEnd(key), notBefore);
    this.logs.book(key, id, at, now, request);
    return at - now;
  }

  /** The earliest slot {@link reserveAfter} (`withPlan`) or {@link claimAfter} would give now, booking nothing. */
  slotFor(key: string, request: OpenCxSlotRequest, limit: number, withPlan: boolean): number {
    const now = monotonicNow();
    return Math.max(this.logs.slot(key, now, request, limit, withPlan), this.pauseEnd(key));
  }

  /** Books `id` at `at` (a slot another store granted), counted as sent if `at` is now or past. */
  bookAt(key: string, id: string, at: number, request: OpenCxSlotRequest): void {
    this.logs.book(key, id, at, monotonicNow(), request);
  }

  /** Counts `id` as sent now (a send another store granted), so this store can take over from it. */
  recordSend(key: string, id: string, request: OpenCxSlotRequest): void {
    const now = monotonicNow();
    this.logs.book(key, id, now, now, request);
  }

  /** The sends of `key` counted here and still in its window: each id, with the time it counts from minus now. */
  recentSends(key: string, window: number): Array<[id: string, offset: number]> {
    return this.logs.recent(key, monotonicNow(), window);
  }

  /** The keys with a send still in their window. */
  keysSentOn(): string[] {
    return this.logs.keysSentOn(monotonicNow());
  }

  /** Whether a save stamped `stamp` may keep its entry: not when the key was evicted at or after it. */
  private mayKeep(key: string, stamp: number): boolean {
    const evicted = this.evictedAt.get(key);
    return evicted === undefined || evicted < stamp;
  }

  private pauseEnd(key: string): number {
    return this.pauses.get(key) ?? 0;
  }
}
