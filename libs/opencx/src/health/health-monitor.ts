import { monotonicNow } from '../util/clock.js';
import { OpenCxConnectionError, OpenCxInvalidResponseError, OpenCxTimeoutError } from '../errors/opencx.errors.js';

/** What the library knows about the OpenCX API, as returned by `ContactAuthService.checkHealth()`. */
export interface OpenCxHealth {
  /**
   * `'down'` only when OpenCX is unreachable (or answers with a server error to a probe) or refuses
   * the key; else `'up'`, rate limited included: a busy service is a healthy one.
   */
  status: 'up' | 'down';
  /** Whether OpenCX answered at all. */
  reachable: boolean;
  /**
   * What is known of the API key: `'accepted'` only after a real 2xx; `'refused'` after a 401, or
   * a 403 (the key lacks the scope for this endpoint); `'unverified'` when OpenCX answered without
   * saying (a probe's 400: OpenCX may validate the body before it looks at the key).
   */
  apiKey: 'accepted' | 'refused' | 'unverified';
  /** `true` after a 2xx, `false` after a 401/403, absent while unverified. */
  apiKeyAccepted?: boolean;
  /** HTTP status of the answer this verdict rests on; absent when none arrived. */
  httpStatus?: number;
  /** Why, in a few words, when it is not simply up with the key accepted. Never a secret. */
  reason?: string;
  /**
   * `true` while rate limiting holds calls back: an upstream 429 paused the key (see
   * `pausedUntil`), OpenCX answered the probe 429, or the client-side limit had no free slot for a
   * probe (the organisation's quota is in use). Normal operation, not ill health. Always set by
   * `checkHealth()`.
   */
  rateLimited?: boolean;
  /** While an upstream 429 pauses the key: when calls resume, ISO 8601. */
  pausedUntil?: string;
  /** `'traffic'` when a recent `authenticateUser` call told us; `'probe'` when a check request was sent. */
  source: 'traffic' | 'probe';
  /** When that answer arrived, ISO 8601. */
  checkedAt: string;
  /**
   * Where the fleet's state lives: `'local'` (this process, by configuration), `'shared'` (a
   * shared store such as Redis, working), `'degraded'` (a shared store that failed: this instance
   * works on its own state, within its share of the limit, until the store answers again).
   */
  fleet: 'local' | 'shared' | 'degraded';
}

type Verdict = Omit<OpenCxHealth, 'source' | 'checkedAt' | 'pausedUntil' | 'fleet' | 'rateLimited'>;

/** What the monitor knows: a verdict with its source and time, before the key's pause and the fleet are added. */
export type OpenCxVerdict = Omit<OpenCxHealth, 'fleet' | 'rateLimited' | 'pausedUntil'>;

/**
 * What one exchange says about OpenCX. OpenCX's server may validate a body before it checks the
 * key, so only a 2xx proves the key and only 401/403 refuse it; other 4xx answers prove only
 * that OpenCX is reachable.
 */
export function assessExchange(status: number | undefined, error: unknown): Verdict {
  if (status === undefined) {
    const base = { status: 'down', apiKey: 'unverified' } as const;
    if (error instanceof OpenCxTimeoutError) return { ...base, reachable: false, reason: 'no answer in time' };
    if (error instanceof OpenCxConnectionError) {
      return { ...base, reachable: false, reason: `connection failed${error.code ? ` (${error.code})` : ''}` };
    }
    return { ...base, reachable: true, reason: 'invalid answer' };
  }
  const answered = { reachable: true, httpStatus: status };
  if (status >= 200 && status < 300) {
    const accepted = { ...answered, apiKey: 'accepted', apiKeyAccepted: true } as const;
    return error instanceof OpenCxInvalidResponseError
      ? { ...accepted, status: 'down', reason: 'invalid answer' }
      : { ...accepted, status: 'up' };
  }
  const refused = { ...answered, status: 'down', apiKey: 'refused', apiKeyAccepted: false } as const;
  if (status === 401) return { ...refused, reason: 'API key refused (401)' };
  if (status === 403) return { ...refused, reason: 'API key lacks the scope for this endpoint (403)' };
  const unverified = { ...answered, apiKey: 'unverified' } as const;
  if (status === 404) return { ...unverified, status: 'down', reason: 'endpoint not found (404): check baseUrl' };
  if (status === 429) return { ...unverified, status: 'up', reason: 'rate limited (429)' };
  if (status >= 400 && status < 500 && status !== 408) {
    return { ...unverified, status: 'up', reason: `reachable; API key not verified (${status})` };
  }
  return { ...unverified, status: 'down', reason: `OpenCX answered ${status}` };
}

/**
 * Whether an ordinary call's exchange says anything about OpenCX itself: an answer that proves the
 * key (a 2xx read as documented) or refuses it (401, 403), or no answer at all (a time-out, a
 * failed connection). Any other answer (a 404 of `deleteContact`, a 400 of bad input, a 5xx) is
 * that call's outcome, and never changes health.
 */
export function isEvidence(status: number | undefined, error: unknown): boolean {
  if (status === undefined) return error instanceof OpenCxTimeoutError || error instanceof OpenCxConnectionError;
  if (status === 401 || status === 403) return true;
  return status >= 200 && status < 300 && error === undefined;
}

/**
 * Remembers the last exchange made with the registration's own API key, and answers health checks
 * from it while it is younger than `interval`; otherwise one probe runs, shared by concurrent
 * checks. Probes never run more often than `minProbeInterval`, whatever `interval` says, so a
 * public readiness endpoint cannot spend the organisation's quota.
 */
export class HealthMonitor {
  private lastStatus: number | undefined;
  private lastError: unknown;
  // Ages on the monotonic clock; the wall-clock time only for `checkedAt`.
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastAtWall = 0;
  private lastProbeAt = Number.NEGATIVE_INFINITY;
  private lastSource: OpenCxHealth['source'] = 'traffic';
  private probing: Promise<OpenCxVerdict | undefined> | undefined;

  constructor(
    private readonly interval: number,
    private readonly minProbeInterval: number,
  ) {}

  /**
   * Records an exchange's outcome (`status` undefined when no answer arrived): every probe's, and an
   * ordinary call's when it is evidence (see {@link isEvidence}).
   */
  observe(status: number | undefined, error: unknown, source: OpenCxHealth['source'] = 'traffic'): void {
    if (source === 'traffic' && !isEvidence(status, error)) return;
    this.lastStatus = status;
    this.lastError = error;
    this.lastAt = monotonicNow();
    this.lastAtWall = Date.now();
    this.lastSource = source;
  }

  /** The last verdict, whatever its age; undefined before any exchange. */
  last(): OpenCxVerdict | undefined {
    if (this.lastAt === Number.NEGATIVE_INFINITY) return undefined;
    return {
      ...assessExchange(this.lastStatus, this.lastError),
      source: this.lastSource,
      checkedAt: new Date(this.lastAtWall).toISOString(),
    };
  }

  /**
   * A verdict no older than `interval` when a probe may run, running `probe` (which must call
   * `observe`, or may decline by not doing so); undefined when nothing is known at all.
   */
  check(probe: () => Promise<void>): Promise<OpenCxVerdict | undefined> {
    const now = monotonicNow();
    const fresh = now - this.lastAt < this.interval;
    const probeAllowed = now - this.lastProbeAt >= this.minProbeInterval;
    if (fresh || (!probeAllowed && this.lastAt !== Number.NEGATIVE_INFINITY)) return Promise.resolve(this.last());
    this.probing ??= (async () => {
      this.lastProbeAt = monotonicNow();
      try {
        await probe();
      } finally {
        this.probing = undefined;
      }
      return this.last();
    })();
    return this.probing;
  }
}
