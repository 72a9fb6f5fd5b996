import type { AttemptReporter } from '../call/attempt-reporter.js';
import { Scrubber } from '../errors/scrub.js';
import { parseAuthenticateUserResponse } from '../http/response-body.js';
import type { Transport } from '../http/transport.js';
import { AUTHENTICATE_USER_PATH } from '../opencx.constants.js';
import type { ClientRateLimiter, ReleaseSlot } from '../rate-limit/client-rate-limiter.js';
import type { OpenCxFleetStore } from '../store/opencx-fleet-store.interface.js';
import { monotonicNow } from '../util/clock.js';
import { Deadline } from '../util/deadline.js';
import type { HealthMonitor, OpenCxHealth, OpenCxVerdict } from './health-monitor.js';

/**
 * The health probe's body. It lacks the required `email`, so OpenCX refuses it and no contact is
 * created; the answer proves OpenCX reachable, and the key only when OpenCX says 401/403.
 */
const PROBE_BODY = '{}';

/** What the check needs to know of its registration. */
export interface HealthCheckSettings {
  /** The registration's own API key: the one the probe sends, and the one health is about. */
  apiKey: string;
  /** Its limiter key (see `CallPlanner.ownLimiterKey`). */
  limiterKey: string;
  /** The probe's time limit, and each store operation's: the registration's `timeout`. */
  timeout: number;
  /** Whether the fleet store is shared (the `store` or `redis` option) rather than this process's own. */
  sharedStore: boolean;
}

/** An error's class name, the only thing about an unknown error that is safe to print. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Why a probe was not sent: no free slot, the store did not answer for one, or the application is stopping. */
type Declined = 'no-slot' | 'store' | 'stopping';

/**
 * `ContactAuthService.checkHealth()`: the monitor's verdict (from recent traffic, or one probe that
 * creates no contact and takes a free rate-limit slot only), the key's pause, and the fleet's state,
 * read after the check has touched the store. Rate limiting is normal operation: it keeps `'up'`,
 * and says `rateLimited`. Every store operation runs within `timeout`: a store that does not answer
 * is degraded, and the check answers. Never throws.
 */
export class OpenCxHealthCheck {
  private declined: Declined | undefined;

  constructor(
    private readonly settings: HealthCheckSettings,
    private readonly monitor: HealthMonitor,
    private readonly limiter: ClientRateLimiter | null,
    private readonly transport: Transport,
    private readonly reporter: AttemptReporter,
    private readonly store: OpenCxFleetStore,
    private readonly shutdown: AbortSignal,
  ) {}

  async check(): Promise<OpenCxHealth> {
    let verdict: OpenCxVerdict;
    let declined: Declined | undefined;
    try {
      this.declined = undefined;
      const found = await this.monitor.check(() => this.probe());
      declined = this.declined;
      verdict = found ?? this.unknown(declined);
    } catch (error) {
      verdict = this.failed(`health check failed (${errorName(error)})`);
    }
    // After the probe, which took its slot in the store: a shared store knows by now whether it answers.
    const paused = await this.pausedFor();
    const fleet = this.fleet(declined === 'store' || paused === undefined);
    const busy = this.monitor.heldBack();
    const rateLimited =
      declined === 'no-slot' ||
      (paused ?? 0) > 0 ||
      busy !== undefined ||
      (this.limiter?.holdsBack(this.settings.limiterKey) ?? false);
    const now = Date.now();
    if (paused !== undefined && paused > 0) {
      const pausedUntil = new Date(now + paused).toISOString();
      return {
        ...verdict,
        fleet,
        rateLimited,
        reason: `paused after an upstream 429 until ${pausedUntil}`,
        pausedUntil,
      };
    }
    if (busy?.until === undefined || busy.until <= now) return { ...verdict, fleet, rateLimited };
    return { ...verdict, fleet, rateLimited, pausedUntil: new Date(busy.until).toISOString() };
  }

  /** Nothing known yet: no probe could be sent (for want of a slot, rate limited is then up), or none was. */
  private unknown(declined: Declined | undefined): OpenCxVerdict {
    if (declined === 'no-slot') {
      return { ...this.failed('not checked yet: the rate limit has no free slot for a probe'), status: 'up' };
    }
    if (declined === 'store') return this.failed('not checked yet: the fleet store did not answer for a probe slot');
    return this.failed('not checked yet');
  }

  private failed(reason: string): OpenCxVerdict {
    return {
      status: 'down',
      reachable: false,
      apiKey: 'unverified',
      reason,
      source: 'probe',
      checkedAt: new Date().toISOString(),
    };
  }

  /**
   * Ms the key is paused for after an upstream 429 (0 when not); undefined when the store did not
   * answer within `timeout` (read as not paused, and the fleet as degraded).
   */
  private async pausedFor(): Promise<number | undefined> {
    const { limiter, settings } = this;
    const within = Deadline.after(settings.timeout);
    try {
      if (limiter) return await within.race(limiter.pausedFor(settings.limiterKey));
      // Without a limiter nothing pauses, but a shared store is still asked once, to know its state.
      if (settings.sharedStore) await within.race(this.store.pausedFor(settings.limiterKey));
      return 0;
    } catch {
      return undefined;
    }
  }

  /**
   * Where the fleet's state lives; a shared store that failed this check (`storeFailed`), or whose
   * `degraded` cannot be read, is taken as degraded.
   */
  private fleet(storeFailed: boolean): OpenCxHealth['fleet'] {
    if (!this.settings.sharedStore) return 'local';
    if (storeFailed) return 'degraded';
    try {
      return this.store.degraded === true ? 'degraded' : 'shared';
    } catch {
      return 'degraded';
    }
  }

  /**
   * The health check's one request: the registration's key, no retry, and only with a free limiter
   * slot. Sent again at once, on the same slot, when it failed on a stale keep-alive socket (the
   * other side had closed the idle connection): it never reached OpenCX, as for any call.
   */
  private async probe(): Promise<void> {
    const { settings, limiter } = this;
    if (this.shutdown.aborted) {
      this.declined = 'stopping';
      return;
    }
    let release: ReleaseSlot | undefined;
    try {
      release = await limiter?.tryAcquire(settings.limiterKey, settings.timeout, Deadline.after(settings.timeout));
    } catch {
      this.declined = 'store';
      return;
    }
    if (limiter && !release) {
      this.declined = 'no-slot';
      return;
    }
    for (let attempt = 0; ; attempt++) {
      const startedAt = monotonicNow();
      const exchange = await this.transport.send({
        method: 'POST',
        path: AUTHENTICATE_USER_PATH,
        apiKey: settings.apiKey,
        body: PROBE_BODY,
        timeout: settings.timeout,
        signal: this.shutdown,
        scrubber: () => new Scrubber(settings.apiKey, []),
        parse: parseAuthenticateUserResponse,
      });
      const resend = exchange.stale === true && attempt === 0;
      if (!resend) void release?.(exchange.status === undefined ? 'abandoned' : 'ended');
      const { apiKey } = settings;
      this.reporter.attempt({
        operation: 'health-check',
        apiKey,
        attempt,
        startedAt,
        exchange,
        retryDelay: resend ? 0 : undefined,
      });
      if (!resend) return;
    }
  }
}
