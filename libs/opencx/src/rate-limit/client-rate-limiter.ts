import { randomUUID } from 'node:crypto';
import { OpenCxClientRateLimitError } from '../errors/opencx.errors.js';
import type { OpenCxFleetStore, OpenCxSendOutcome, OpenCxSlotRequest } from '../store/opencx-fleet-store.interface.js';
import { monotonicNow } from '../util/clock.js';
import type { Deadline } from '../util/deadline.js';

/** Ends a slot: times its send by how the request ended, or frees a booking never sent. Never rejects. */
export type ReleaseSlot = (outcome: OpenCxSendOutcome) => Promise<void>;

/** The longest a send counts as in transit when its call has no time limit (the longest `totalTimeout`). */
const MAX_TRANSIT = 3_600_000;

/** Settings of the client-side limiter, with defaults applied. */
export interface RateLimitSettings {
  perMinute: number;
  maxWait: number;
  maxQueue: number;
  instances: number;
  window: number;
  /** The longest pause a store may report (`maxRetryAfter`): a longer or garbled one is capped. */
  maxPause: number;
}

/** A wait a store reported, made safe: a number from 0 to `cap` (anything else is `cap`). */
function safeWait(value: unknown, cap: number): number {
  const ms = Number(value);
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), cap) : cap;
}

/**
 * At most `perMinute` upstream calls in any `window` (a minute) per API key: in memory, or across
 * the fleet through a shared OpenCxFleetStore. Sends are counted until a window after their
 * request ended (an abandoned one, until it can no longer arrive), so time in transit cannot put
 * one call too many in an upstream window. The plan's window is longer than the upstream's by a
 * margin of 1/60 (a second a minute), so that a booked slot is usually free when it comes; a call
 * may wait that margin beyond `maxWait`, and past it only while requests still in transit hold its
 * slot. Calls over the limit wait for their slot, at most `maxQueue` per key; an upstream 429
 * pauses the key for every caller. Every wait and store operation runs within the call's deadline.
 */
export class ClientRateLimiter {
  private readonly waiting = new Map<string, number>();
  /** Per key, until when (monotonic ms) its last refusal said no slot would be free. */
  private readonly refusing = new Map<string, number>();
  private readonly window: number;
  private readonly margin: number;
  private readonly localLimit: number;
  // Booking ids, unique across the fleet: a shared store keeps every instance's in one log.
  private readonly instance = randomUUID();
  private sequence = 0;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly store: OpenCxFleetStore,
  ) {
    this.margin = Math.ceil(settings.window / 60);
    this.window = settings.window + this.margin;
    this.localLimit = Math.max(1, Math.floor(settings.perMinute / settings.instances));
  }

  /**
   * Waits for a slot for `key` (a hash of the API key), or throws OpenCxClientRateLimitError;
   * returns the slot's release, to call when the request has ended (it never rejects). A booked
   * slot is claimed when it comes; if requests still in transit hold it, the call waits for them
   * too, as long as `deadline` allows.
   */
  async acquire(key: string, deadline: Deadline, signal?: AbortSignal): Promise<ReleaseSlot> {
    const queued = this.waiting.get(key) ?? 0;
    if (queued >= this.settings.maxQueue) throw this.limited(key, this.window / this.settings.perMinute, 'max-queue');
    const request = this.request(Math.min(deadline.left(), this.settings.maxWait + this.margin), deadline.left());
    const id = this.nextId();
    const cap = request.maxWait + this.window;
    const reservation = await deadline.race(this.store.reserve(key, id, request), signal);
    const waitMs = safeWait(reservation.waitMs, cap);
    if (!reservation.granted) throw this.limited(key, waitMs, 'max-wait');
    const release = this.releaser(key, id, request);
    if (waitMs <= 0) {
      this.refusing.delete(key);
      return release;
    }
    this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
    try {
      for (
        let wait = waitMs;
        wait > 0;
        wait = safeWait(await deadline.race(this.store.claim(key, id, request), signal), cap)
      ) {
        if (wait >= deadline.left()) throw this.limited(key, wait, 'time-left');
        await deadline.sleep(wait, signal);
      }
      return release;
    } catch (error) {
      await release('ended');
      throw error;
    } finally {
      const left = (this.waiting.get(key) ?? 1) - 1;
      if (left > 0) this.waiting.set(key, left);
      else this.waiting.delete(key);
    }
  }

  /**
   * Takes a slot for `key` only if one is free now, for a request of at most `limit` ms: its
   * release, or undefined. With `deadline`, the store's answer is awaited until then only (it
   * rejects as {@link Deadline.race} does); a slot the store grants after that is released at once.
   */
  async tryAcquire(key: string, limit: number, deadline?: Deadline): Promise<ReleaseSlot | undefined> {
    const request = this.request(0, limit);
    const id = this.nextId();
    const reserving = this.store.reserve(key, id, request);
    let granted: boolean;
    try {
      ({ granted } = await (deadline ? deadline.race(reserving) : reserving));
    } catch (error) {
      void reserving.then(
        (late) => (late.granted ? this.releaser(key, id, request)('ended') : undefined),
        () => undefined,
      );
      throw error;
    }
    if (!granted) return undefined;
    this.refusing.delete(key);
    return this.releaser(key, id, request);
  }

  /** Pauses `key` for `ms` (an upstream 429's Retry-After, already capped), for every caller. */
  pause(key: string, ms: number): Promise<void> {
    return ms > 0 ? this.store.pause(key, Math.min(ms, this.settings.maxPause)) : Promise.resolve();
  }

  /** Ms until `key` may send again after a pause (0 when not paused); never more than `maxPause`. */
  async pausedFor(key: string): Promise<number> {
    return safeWait(await this.store.pausedFor(key), this.settings.maxPause);
  }

  /** Calls of `key` waiting for a slot in this instance. */
  waitingFor(key: string): number {
    return this.waiting.get(key) ?? 0;
  }

  /**
   * Whether the limit holds calls of `key` back, by what this instance already knows (no store
   * round trip): some wait for a slot, or its last refusal's slot has not come yet and no call has
   * found one free since.
   */
  holdsBack(key: string): boolean {
    if (this.waitingFor(key) > 0) return true;
    const until = this.refusing.get(key);
    if (until === undefined) return false;
    if (until > monotonicNow()) return true;
    this.refusing.delete(key);
    return false;
  }

  private request(maxWait: number, maxTransit: number): OpenCxSlotRequest {
    return {
      limit: this.settings.perMinute,
      localLimit: this.localLimit,
      window: this.window,
      maxWait,
      maxTransit: Math.min(maxTransit, MAX_TRANSIT),
      maxPause: this.settings.maxPause,
    };
  }

  private releaser(key: string, id: string, request: OpenCxSlotRequest): ReleaseSlot {
    return (outcome) => this.store.release(key, id, request, outcome).catch(() => undefined);
  }

  private nextId(): string {
    return `${this.instance}:${this.sequence++}`;
  }

  /** The refusal of a call of `key` whose slot is `waitMs` away, remembered until then. */
  private limited(
    key: string,
    waitMs: number,
    reason: OpenCxClientRateLimitError['reason'],
  ): OpenCxClientRateLimitError {
    const now = monotonicNow();
    // Refused keys that are free again go, so keys refused once (a per-call API key) do not accumulate.
    for (const [refused, until] of this.refusing) if (until <= now) this.refusing.delete(refused);
    this.refusing.set(key, Math.max(this.refusing.get(key) ?? 0, now + waitMs));
    return new OpenCxClientRateLimitError(Math.max(1, Math.ceil(waitMs / 1000)), reason);
  }
}
