import type { MemoryFleetStore } from '../store/memory-fleet-store.js';
import type { OpenCxReservation, OpenCxSendOutcome, OpenCxSlotRequest } from '../store/opencx-fleet-store.interface.js';
import { monotonicNow } from '../util/clock.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { FleetClock } from './fleet-clock.js';
import { CLAIM, PAUSE, PAUSED_FOR, RELEASE, RESERVE } from './limiter.scripts.js';
import { wholeMs } from './lua.js';
import type { RedisScript, RunScript } from './redis-client.js';
import type { RedisKeys } from './redis-keys.js';

/** The longest a booking or a send can reach ahead (the longest call), plus a window: anything further is garbage. */
const HORIZON = 3_600_000;
/** The longest a pause may be read as when no limiter request told the store (`maxRetryAfter`'s default). */
const DEFAULT_MAX_PAUSE = 60_000;
/** How long releases wait for others of their key, so that a burst's ends travel together. */
const RELEASE_BATCH_MS = 20;
/** A booking's grace after its time before the fleet drops it as unclaimed. */
const graceOf = (window: number): number => Math.max(200, Math.ceil(window / 30));

/** What the limiter needs of its store beyond Redis. */
export interface FleetLimiterParts {
  run: RunScript;
  breaker: CircuitBreaker;
  clock: FleetClock;
  local: MemoryFleetStore;
  names: RedisKeys;
  /** This instance's member name in the fleet: the owner of the bookings it writes. */
  instance: string;
  /** Resolves true once the fleet clock is anchored (a heartbeat first if need be), false when it cannot be. */
  ready: () => Promise<boolean>;
  /** The arguments by which a script reads fleet time (see fleetNow). */
  time: () => Array<string | number>;
  /** Seconds after a server start during which grants wait for every instance to hand its sends back. */
  holdSeconds: number;
  /** Ms after Redis answers again during which a grant needs both Redis and this instance's share. */
  settleMs: number;
}

/** What this instance knows of one limiter key it uses. */
interface KeyState {
  request: OpenCxSlotRequest;
  /** Releases not yet sent to Redis: id → the monotonic time its send counts from. */
  due: Map<string, number>;
  flushing: boolean;
  usedAt: number;
}

/**
 * The limiter's side of the Redis store: the shared sliding log while Redis answers, this
 * instance's share of the limit while it does not, and the hand-over between the two.
 *
 * Every send granted is also counted in this process's memory (`local`), so that when Redis is
 * judged down the instance goes on with what it sent itself: at most its share (the limit divided
 * by the fleet's size, never more than `localLimit`), and nothing before a window has passed since
 * the operation that found Redis down was sent (every send Redis granted anyone has left the
 * window by then), unless the last heartbeat found it alone. When Redis answers again its recent
 * sends are handed back, and for a settling time a grant needs both Redis and its share: the other
 * instances are still handing theirs back.
 */
export class FleetLimiter {
  private readonly keys = new Map<string, KeyState>();
  private failedAt: number | undefined;
  private settledAt = Number.NEGATIVE_INFINITY;
  /** The fleet's size when Redis was lost, and whether a member had not heard of this instance: both hold until grants have settled. */
  private sizeAtFailure = 0;
  private unheardAtFailure = false;

  constructor(private readonly parts: FleetLimiterParts) {}

  reserve(key: string, id: string, request: OpenCxSlotRequest): Promise<OpenCxReservation> {
    this.state(key, request);
    const alone = (): OpenCxReservation =>
      this.parts.local.reserveAfter(key, id, request, this.aloneFrom(request), this.share(request));
    return this.pooled(async () => {
      const start = monotonicNow();
      const reply = await this.log(RESERVE, key, id, request, this.shareAllows(key, request, true));
      const granted = Number(reply[0]) === 1;
      const waitMs = Number(reply[1]);
      if (granted) this.parts.local.bookAt(key, id, start + Math.max(0, waitMs), request);
      return { granted, waitMs };
    }, alone);
  }

  claim(key: string, id: string, request: OpenCxSlotRequest): Promise<number> {
    this.state(key, request);
    const alone = (): number =>
      this.parts.local.claimAfter(key, id, request, this.aloneFrom(request), this.share(request));
    return this.pooled(async () => {
      const waitMs = Number((await this.log(CLAIM, key, id, request, this.shareAllows(key, request, false)))[0]);
      if (waitMs <= 0) this.parts.local.recordSend(key, id, request);
      return waitMs;
    }, alone);
  }

  async release(key: string, id: string, request: OpenCxSlotRequest, outcome: OpenCxSendOutcome): Promise<void> {
    await this.parts.local.release(key, id, request, outcome);
    // While Redis is skipped, the send's end is in memory: it is handed back when Redis answers again.
    if (this.parts.breaker.isOpen) return;
    const state = this.state(key, request);
    state.due.set(id, monotonicNow() + (outcome === 'abandoned' ? request.maxTransit : 0));
    if (state.flushing) return;
    // Releases close together travel together, unless an operation of the key carries them first.
    state.flushing = true;
    setTimeout(() => {
      state.flushing = false;
      if (state.due.size > 0) void this.sync(key, false);
    }, RELEASE_BATCH_MS).unref();
  }

  async pause(key: string, ms: number): Promise<void> {
    // Also here, so the pause holds if Redis fails before it ends.
    await this.parts.local.pause(key, ms);
    const pause = [this.parts.names.limiter(key).pause];
    await this.pooled(
      async () => void (await this.parts.run(PAUSE, pause, [ms, ...this.parts.time()])),
      () => 0,
    );
  }

  pausedFor(key: string): Promise<number> {
    const maxPause = this.keys.get(key)?.request.maxPause ?? DEFAULT_MAX_PAUSE;
    const pause = [this.parts.names.limiter(key).pause];
    return this.pooled(
      async () => Number(await this.parts.run(PAUSED_FOR, pause, [maxPause, ...this.parts.time()])) || 0,
      () => this.parts.local.pausedFor(key),
    );
  }

  /** Redis was judged down by an operation sent at `sentAt` (the first of this outage). */
  failOver(sentAt: number): void {
    this.failedAt = sentAt;
    this.sizeAtFailure = Math.max(this.parts.clock.size, this.settling() ? this.sizeAtFailure : 0);
    this.unheardAtFailure = !this.parts.clock.heardOf || (this.settling() && this.unheardAtFailure);
  }

  /** Redis answers again: this instance's recent sends go back to it, and grants settle. */
  recover(): Promise<void> {
    this.failedAt = undefined;
    this.settledAt = monotonicNow() + this.parts.settleMs;
    return this.handBack();
  }

  /** Hands this instance's sends still in their window back to Redis, for every key (its state was lost, or it was away). */
  async handBack(): Promise<void> {
    await Promise.all(this.parts.local.keysSentOn().map((key) => this.sync(key, true)));
  }

  /** Sends every release due (at shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.keys].filter(([, state]) => state.due.size > 0).map(([key]) => this.sync(key, false)));
  }

  /** Forgets the keys this instance has not used for a window, with nothing left to send: an idle instance sends only its heartbeat. */
  forgetIdle(): void {
    const now = monotonicNow();
    for (const [key, state] of this.keys)
      if (now - state.usedAt > state.request.window && state.due.size === 0) this.keys.delete(key);
  }

  /** Keys this instance currently keeps state for (for tests of forgetting). */
  get keysKept(): number {
    return this.keys.size;
  }

  /**
   * Runs `operation` on Redis when the fleet clock is there and Redis is in use; else `alone`. A
   * limiter operation is never the breaker's trial (a heartbeat is): a grant must not come before
   * this instance has handed its sends back.
   */
  private async pooled<T>(operation: () => Promise<T>, alone: () => T | Promise<T>): Promise<T> {
    if (!(await this.parts.ready()) || this.parts.breaker.tripped) return alone();
    return this.parts.breaker.run(operation, alone);
  }

  /** A release-only run of the key's log: its releases due, and with `handBack` its recent sends. */
  private sync(key: string, handBack: boolean): Promise<void> {
    const state = this.keys.get(key);
    if (!state) return Promise.resolve();
    return this.pooled(
      async () => void (await this.log(RELEASE, key, '', state.request, 0, handBack)),
      () => undefined,
    );
  }

  /**
   * Runs one of the log's scripts for `key`, carrying the releases due. When Redis says the key's
   * state was lost, this instance's recent sends go back with a second run, before anything is granted.
   */
  private async log(
    script: RedisScript,
    key: string,
    id: string,
    request: OpenCxSlotRequest,
    notBefore: number,
    handBack = false,
  ): Promise<unknown[]> {
    const { parts } = this;
    const state = this.state(key, request);
    const mono = monotonicNow();
    const triples: Array<string | number> = [];
    // Each booking is written as this instance's, so that the fleet can drop it should it depart.
    const own = (member: string): string => `${parts.instance}/${member}`;
    const sends = parts.local.recentSends(key, request.window);
    if (handBack) for (const [member, offset] of sends) triples.push(own(member), offset, 'i');
    const due = [...state.due];
    state.due.clear();
    for (const [member, at] of due) triples.push(own(member), at - mono, 'r');
    const grace = graceOf(request.window);
    const time = parts.clock.scriptTime();
    const args = [
      parts.clock.at(mono),
      request.limit,
      request.window,
      request.maxWait,
      id && own(id),
      request.maxTransit,
      request.maxPause,
      grace,
      script === RELEASE ? 0 : parts.holdSeconds,
      notBefore > 0 ? parts.clock.at(notBefore) : 0,
      handBack ? '' : this.probe(sends, request.window - 2 * grace, own),
      HORIZON + request.window,
      time.offset,
      time.below,
      time.above,
      parts.clock.departed.join(','),
      ...triples,
    ];
    let reply: unknown[];
    try {
      const answer = await parts.run(
        script,
        Object.values(parts.names.limiter(key)),
        args.map((arg) => (typeof arg === 'number' ? wholeMs(arg) : arg)),
      );
      reply = Array.isArray(answer) ? answer : [];
    } catch (error) {
      // Not carried: they go with the next operation (or, after an outage, with the hand-back).
      for (const [member, at] of due) if (!state.due.has(member)) state.due.set(member, at);
      throw error;
    }
    if (Number(reply.at(-1)) === 1 && !handBack) return this.log(script, key, id, request, notBefore, true);
    return reply;
  }

  /** The latest of these sends that Redis must still hold (well inside the window), or '' for none. */
  private probe(sends: Array<[string, number]>, within: number, own: (member: string) => string): string {
    let latest: [string, number] | undefined;
    for (const send of sends) if (send[1] > -within && (!latest || send[1] > latest[1])) latest = send;
    return latest ? own(latest[0]) : '';
  }

  private state(key: string, request: OpenCxSlotRequest): KeyState {
    const state = this.keys.get(key) ?? { request, due: new Map<string, number>(), flushing: false, usedAt: 0 };
    this.keys.set(key, Object.assign(state, { request, usedAt: monotonicNow() }));
    return state;
  }

  /**
   * This instance's share: the limit over the fleet's size (when Redis was lost, until grants have
   * settled), at most `localLimit`. If a member had not heard of it then (it joined since that
   * member's last beat, or never reached Redis), the others' shares may make the whole limit: it
   * has only what `rateLimit.instances` gives it (`localLimit`), or nothing.
   */
  private share(request: OpenCxSlotRequest): number {
    const lost = this.failedAt !== undefined || this.settling();
    if (lost && this.unheardAtFailure) return request.localLimit < request.limit ? request.localLimit : 0;
    const size = Math.max(1, this.parts.clock.size, lost ? this.sizeAtFailure : 0);
    return Math.min(request.localLimit, Math.max(1, Math.floor(request.limit / size)));
  }

  /**
   * When this instance may send on its own: a window after Redis was found down, unless it was
   * alone. Without an outage (an operation refused for its data, or no heartbeat answered yet) not
   * within this call's wait: the next call asks Redis again.
   */
  private aloneFrom(request: OpenCxSlotRequest): number {
    const { failedAt } = this;
    if (failedAt === undefined) return monotonicNow() + request.window;
    return this.parts.clock.aloneAt(failedAt) ? 0 : failedAt + request.window;
  }

  /**
   * While grants settle, the earliest time this instance's share allows (for a reservation, its
   * bookings counted too), but no later than the settling's end, when the share stops holding; else 0.
   */
  private shareAllows(key: string, request: OpenCxSlotRequest, withPlan: boolean): number {
    if (!this.settling()) return 0;
    return Math.min(this.parts.local.slotFor(key, request, this.share(request), withPlan), this.settledAt);
  }

  private settling(): boolean {
    return monotonicNow() < this.settledAt;
  }
}
