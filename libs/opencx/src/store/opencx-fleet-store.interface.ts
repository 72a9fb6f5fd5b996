/**
 * One rate-limit request to a store: at most `limit` sends in any `window` ms, waiting at most
 * `maxWait` ms for the earliest slot that keeps it so.
 */
export interface OpenCxSlotRequest {
  /** The fleet-wide limit: what a shared store counts against. */
  limit: number;
  /** This instance's share of `limit`: what a store that sees only this process counts against. */
  localLimit: number;
  /** Length of the sliding window in ms. */
  window: number;
  /** The longest wait, in ms, a reservation may book; a later slot is refused. */
  maxWait: number;
  /**
   * The longest, in ms, a send may stay in transit (its call's time left). A store counts a send
   * whose end it never hears of (its instance stopped) as ended after this long.
   */
  maxTransit: number;
  /** The longest a pause may hold sends back (`maxRetryAfter`): a longer one read from the store is cut to it. */
  maxPause: number;
}

/** The outcome of {@link OpenCxFleetStore.reserve}. */
export interface OpenCxReservation {
  /** Whether a slot was booked. */
  granted: boolean;
  /** When granted: 0 when the send is claimed at once, else the ms to wait before `claim`. When refused: the wait it would have needed. */
  waitMs: number;
}

/** The outcome of {@link OpenCxFleetStore.lookup}. */
export interface OpenCxStoreLookup {
  /** The sealed entry saved for this key and payload, if any (never one saved for another payload). */
  value?: string;
  /**
   * Whether this instance may ask OpenCX for the contact: always true for a store that sees one
   * process; in a fleet, true for the one instance that took the contact's lock.
   */
  locked: boolean;
  /**
   * Opaque to the caller, handed back to `save` (for this key or another, such as a contact id's
   * note), so that an eviction after the look-up wins. A store decides what it is: the time of the
   * look-up on the store's own clock, for both built-in stores.
   */
  stamp: number;
}

/**
 * How a send ended, for {@link OpenCxFleetStore.release}: `'ended'` when its answer arrived (or it
 * was never sent); `'abandoned'` when the client gave up on it (time-out, abort, broken
 * connection), as a link that buffers it may still deliver it.
 */
export type OpenCxSendOutcome = 'ended' | 'abandoned';

/**
 * What the instances of a fleet share: the token cache (with each contact's lock, so that one
 * instance at a time asks OpenCX for a contact), the rate limiter's sliding log, and the pause an
 * upstream 429 sets. `MemoryFleetStore` (one process) is the default; `RedisFleetStore` from
 * `nestjs-opencx/redis` shares a Redis server. Every key is already a hash: a store sees no email,
 * API key or token in clear, only entries the library sealed (AES-256-GCM, bound to their key and
 * payload). `runFleetStoreContract` from `nestjs-opencx/testing` checks an implementation against
 * these rules.
 *
 * Rules every implementation keeps:
 * - `lookup` answers a value only for the payload it was saved with; `save` replaces the key's
 *   entry for `ttlMs` and releases this instance's lock, unless the key was evicted after the
 *   look-up that returned `stamp` (then it only releases the lock); a stamp orders look-ups and
 *   evictions across keys too (a contact id's note is saved with its contact's stamp); `unlock`
 *   releases the lock without saving; a lock expires after `lockTtl` ms, which is also the longest
 *   the caller may take before its `save`; `evict` removes the entry, or rejects if it cannot.
 * - A note is a set of other keys (a contact id's: the contact keys its tokens are cached under).
 *   `note` adds a member unless the note's key was evicted after the look-up that gave `stamp`
 *   (false: the caller then keeps no entry for that member); `evictNote` removes the note, marks its
 *   key evicted as `evict` does and answers its members, in one step; `noted` says whether a note
 *   holds a member. A note lives at least its
 *   `ttlMs`; a store that drops one earlier (memory pressure) drops its members' entries with it.
 * - `reserve` books the earliest time that keeps every `window` within `limit`, counting both the
 *   bookings and the sends, or refuses when that is more than `maxWait` away (booking nothing).
 *   A slot free now is claimed at once (`waitMs` 0). `claim`, when the booked time comes, sends
 *   if the sends allow it (0) or says how long to wait. A send in transit counts as reaching
 *   OpenCX now, for at most `maxTransit`; `release` times it by its end, or, when it was
 *   abandoned, keeps it in transit for `maxTransit` more; `release` of a booking never sent drops it.
 * - `pause` holds every send of the key back for `ms` unless a longer pause is set; it never
 *   changes what was counted. `pausedFor` answers the ms left (0 when not paused).
 */
export interface OpenCxFleetStore {
  /** The entry for `key` if it was saved for `payload`, and whether this instance may ask OpenCX. */
  lookup(key: string, payload: string, lockTtl: number): Promise<OpenCxStoreLookup>;
  /**
   * Keeps `value` for `key` and `payload` for `ttlMs`, replacing any entry, and releases this
   * instance's lock; saves nothing when `key` was evicted after the look-up that gave `stamp`.
   */
  save(key: string, payload: string, value: string, ttlMs: number, stamp: number): Promise<void>;
  /** Releases this instance's lock on `key` without saving (the call failed). */
  unlock(key: string): Promise<void>;
  /** Removes the entry for `key` everywhere the fleet could read it, or rejects. */
  evict(key: string): Promise<void>;
  /**
   * Adds `member` to the note at `key`, kept at least `ttlMs` from now; adds nothing (false) when
   * `key` was evicted after the look-up that gave `stamp`.
   */
  note(key: string, member: string, ttlMs: number, stamp: number): Promise<boolean>;
  /** Whether the note at `key` holds `member` (false once the note was evicted, expired or dropped). */
  noted(key: string, member: string): Promise<boolean>;
  /** Removes the note at `key` and marks `key` evicted, in one step: the members it held. Rejects if it cannot. */
  evictNote(key: string): Promise<string[]>;
  /** Books a send for `id` (unique across the fleet), or refuses beyond `maxWait`. */
  reserve(key: string, id: string, request: OpenCxSlotRequest): Promise<OpenCxReservation>;
  /** 0 when `id` may send now (it is then counted as sent); else the ms to wait before claiming again. */
  claim(key: string, id: string, request: OpenCxSlotRequest): Promise<number>;
  /** Times `id`'s send by now (or keeps it in transit when abandoned), or drops its booking if it was never sent. */
  release(key: string, id: string, request: OpenCxSlotRequest, outcome: OpenCxSendOutcome): Promise<void>;
  /** Holds every send of `key` back for `ms` from now, unless a longer pause is set. */
  pause(key: string, ms: number): Promise<void>;
  /** Ms until `key`'s pause ends (0 when not paused). */
  pausedFor(key: string): Promise<number>;
  /**
   * Whether the store currently works on this process's state only: a shared back end failed, or has
   * not answered yet since start-up. Default false.
   */
  readonly degraded?: boolean;
  /** Called once at the application's shutdown: send what is pending, close what the store opened. */
  close?(): Promise<void>;
}
