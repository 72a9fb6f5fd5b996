/** How far, in ms, an estimate of fleet time may differ from the server's clock (beyond its own error) before the clock is taken to have stepped. */
export const CLOCK_TOLERANCE = 250;
/** The most an estimate's own error is counted as, in ms (half the round trip of the beat it comes from). */
const LONGEST_ERROR = 1_000;
/** A beat answered within this many ms always re-anchors the estimate. */
const ANCHOR_ROUND_TRIP = 20;
/** How much an anchor's round trip is taken to grow per beat: a slower beat re-anchors once the anchor has aged that much. */
const ANCHOR_AGEING = 1;

/** The fleet's timing, from the store's options. */
export interface FleetTiming {
  /** Ms between two heartbeats of an instance. */
  heartbeat: number;
  /** Ms without a heartbeat after which a member is dropped. */
  forget: number;
  /** Ms a Redis operation may take before it is judged failed: how late a script may run after it was sent. */
  timeout: number;
}

/** What a per-key script needs to read fleet time from the server's clock (see the limiter's scripts). */
export interface ScriptTime {
  /** Fleet time minus the server's clock at the last heartbeat, or '' before one. */
  offset: number | '';
  /** How far the server's reading may be behind the caller's estimate, and ahead of it, before it is taken to have stepped. */
  below: number;
  above: number;
}

/**
 * This instance's view of the fleet: its estimate of fleet time, and the fleet's size. The estimate
 * is anchored on the fleet time a heartbeat read and this process's monotonic clock half-way
 * through that beat's round trip, so it is off by at most half the round trip. The quickest beat
 * is the best anchor: a slower one replaces it only once the anchor has aged, or when the fleet's
 * time moved (another instance or a step of the server's clock).
 *
 * The estimate dates look-ups and evictions, and guards the per-key scripts: they read fleet time
 * as the server's clock plus the offset the last heartbeat learnt (exact, whatever delayed the
 * script), unless that strays from the estimate, which means the server's clock stepped.
 */
export class FleetClock {
  /** Fleet time minus monotonic time; undefined until a beat answers. */
  private offset: number | undefined;
  /** The round trip of the beat the offset comes from, aged by each beat since. */
  private anchorRoundTrip = Number.POSITIVE_INFINITY;
  /** Fleet time minus the server's clock, as the last heartbeat read them. */
  private serverOffset: number | undefined;
  private beatAnsweredAt = Number.NEGATIVE_INFINITY;
  private lastSize = 0;
  /** The fleet time this instance joined at, as the last heartbeat said. */
  private joinedAt: number | undefined;
  /** How many other members had not beaten since this instance joined, at the last heartbeat. */
  private unaware = Number.POSITIVE_INFINITY;
  /** The members the last heartbeat said departed (left, or stopped beating); one that beats again is no longer said. */
  private gone: string[] = [];

  constructor(private readonly timing: FleetTiming) {}

  /** The members the last heartbeat said departed: their bookings hold no slot. */
  get departed(): readonly string[] {
    return this.gone;
  }

  /** Whether a heartbeat has answered, so the estimate exists. */
  get anchored(): boolean {
    return this.offset !== undefined;
  }

  /** The fleet's size (this instance included) the last heartbeat reported; 0 before any. */
  get size(): number {
    return this.lastSize;
  }

  /**
   * Whether every member had heard of this instance at the last heartbeat (each beat since it
   * joined, so each counts it in the fleet's size): only then is its share of the limit its own.
   */
  get heardOf(): boolean {
    return this.anchored && this.unaware === 0;
  }

  /** Fleet time at monotonic time `mono` (ms); only once {@link anchored}. */
  at(mono: number): number {
    return Math.round(mono + (this.offset ?? Number.NaN));
  }

  /** Whether the last heartbeat before `mono` found this instance alone, recently enough to still hold. */
  aloneAt(mono: number): boolean {
    return this.lastSize === 1 && mono - this.beatAnsweredAt < this.timing.forget;
  }

  /** How a per-key script reads fleet time from the server's clock, and how far it trusts that reading. */
  scriptTime(): ScriptTime {
    const { below, above } = this.slack();
    return { offset: this.serverOffset ?? '', below, above };
  }

  /** The heartbeat script's arguments after the instance id (see BEAT), for a beat sent at `mono`. */
  beatArguments(mono: number, leaving: boolean): Array<string | number> {
    const known = this.anchored && mono - this.beatAnsweredAt < this.timing.forget - this.timing.heartbeat;
    const { below, above } = this.slack();
    return [
      this.anchored ? this.at(mono) : '',
      this.timing.forget,
      below,
      above,
      2 * this.timing.heartbeat + CLOCK_TOLERANCE,
      Math.max(60_000, 2 * this.timing.forget),
      leaving ? '1' : '0',
      known ? '1' : '0',
      this.joinedAt ?? '',
    ];
  }

  /**
   * Learns from a heartbeat's reply {fleet time, size, lost, server's clock, joined, unaware,
   * departed}, sent at `sentAt` and answered at `answeredAt`: whether the fleet's state was lost
   * while this instance was part of it (so its recent sends must be handed back), or undefined for a
   * reply that makes no sense.
   */
  learn(reply: unknown, sentAt: number, answeredAt: number): { lost: boolean } | undefined {
    if (!Array.isArray(reply)) return undefined;
    const [time, size, lost, raw, joined, unaware] = reply.slice(0, 6).map(Number);
    if (!Number.isFinite(time) || !Number.isInteger(size) || size! < 0) return undefined;
    const wasAnchored = this.anchored;
    const roundTrip = Math.max(0, answeredAt - sentAt);
    const candidate = time! - (sentAt + answeredAt) / 2;
    this.anchorRoundTrip += ANCHOR_AGEING;
    if (
      this.offset === undefined ||
      roundTrip <= Math.max(ANCHOR_ROUND_TRIP, this.anchorRoundTrip) ||
      Math.abs(candidate - this.offset) > CLOCK_TOLERANCE + roundTrip / 2
    ) {
      this.offset = candidate;
      this.anchorRoundTrip = roundTrip;
    }
    if (Number.isFinite(raw)) this.serverOffset = time! - raw!;
    this.lastSize = Math.max(1, size!);
    this.beatAnsweredAt = answeredAt;
    this.joinedAt = Number.isFinite(joined) ? joined : undefined;
    // A reply that does not say is taken as the fleet not having heard of this instance.
    this.unaware = Number.isInteger(unaware) && unaware! >= 0 ? unaware! : Number.POSITIVE_INFINITY;
    const gone: unknown[] = Array.isArray(reply[6]) ? reply[6] : [];
    this.gone = gone.filter((id): id is string => typeof id === 'string' && /^[\w-]{1,64}$/.test(id));
    return { lost: wasAnchored && lost === 1 };
  }

  /** The estimate's own error (half its anchor's round trip), and the tolerance and lateness allowed beyond it. */
  private slack(): { below: number; above: number } {
    const error = Number.isFinite(this.anchorRoundTrip)
      ? Math.min(LONGEST_ERROR, Math.ceil(this.anchorRoundTrip / 2))
      : 0;
    return { below: CLOCK_TOLERANCE + error, above: this.timing.timeout + CLOCK_TOLERANCE + error };
  }
}
