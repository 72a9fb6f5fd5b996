import type { AttemptReporter } from '../call/attempt-reporter.js';
import { Scrubber } from '../errors/scrub.js';
import { parseAuthenticateUserResponse } from '../http/response-body.js';
import type { Transport } from '../http/transport.js';
import { AUTHENTICATE_USER_PATH } from '../opencx.constants.js';
import type { ClientRateLimiter } from '../rate-limit/client-rate-limiter.js';
import type { OpenCxFleetStore } from '../store/opencx-fleet-store.interface.js';
import { monotonicNow } from '../util/clock.js';
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
  /** The probe's time limit: the registration's `timeout`. */
  timeout: number;
  /** Whether the fleet store is shared (the `store` or `redis` option) rather than this process's own. */
  sharedStore: boolean;
}

/** An error's class name, the only thing about an unknown error that is safe to print. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** Why a probe was not sent. */
type Declined = 'no-slot' | 'stopping';

/**
 * `ContactAuthService.checkHealth()`: the monitor's verdict (from recent traffic, or one probe that
 * creates no contact and takes a free rate-limit slot only), the key's pause, and the fleet's state,
 * read after the check has touched the store. Rate limiting is normal operation: it keeps `'up'`,
 * and says `rateLimited`. Never throws.
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
    let noSlot = false;
    try {
      this.declined = undefined;
      const found = await this.monitor.check(() => this.probe());
      noSlot = this.declined === 'no-slot';
      verdict = found ?? this.unknown(noSlot);
    } catch (error) {
      verdict = this.failed(`health check failed (${errorName(error)})`);
    }
    // After the probe, which took its slot in the store: a shared store knows by now whether it answers.
    const paused = await this.pausedFor();
    const fleet = this.fleet();
    const rateLimited = noSlot || paused > 0 || verdict.httpStatus === 429;
    if (paused <= 0) return { ...verdict, fleet, rateLimited };
    const pausedUntil = new Date(Date.now() + paused).toISOString();
    return { ...verdict, fleet, rateLimited, reason: `paused after an upstream 429 until ${pausedUntil}`, pausedUntil };
  }

  /** Nothing known yet: no probe could be sent (rate limited is then up), or none was. */
  private unknown(noSlot: boolean): OpenCxVerdict {
    if (!noSlot) return this.failed('not checked yet');
    return { ...this.failed('not checked yet: the rate limit has no free slot for a probe'), status: 'up' };
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

  /** Ms the key is paused for after an upstream 429 (0 when not, or when the store cannot say). */
  private async pausedFor(): Promise<number> {
    const { limiter, settings } = this;
    try {
      if (limiter) return await limiter.pausedFor(settings.limiterKey);
      // Without a limiter nothing pauses, but a shared store is still asked once, to know its state.
      if (settings.sharedStore) await this.store.pausedFor(settings.limiterKey);
    } catch {
      // A store that cannot say is read as not paused; its `degraded` says the rest.
    }
    return 0;
  }

  /** Where the fleet's state lives; a store whose `degraded` cannot be read is taken as degraded. */
  private fleet(): OpenCxHealth['fleet'] {
    if (!this.settings.sharedStore) return 'local';
    try {
      return this.store.degraded === true ? 'degraded' : 'shared';
    } catch {
      return 'degraded';
    }
  }

  /** The health check's one request: the registration's key, no retry, and only with a free limiter slot. */
  private async probe(): Promise<void> {
    const { settings, limiter } = this;
    if (this.shutdown.aborted) {
      this.declined = 'stopping';
      return;
    }
    const release = await limiter?.tryAcquire(settings.limiterKey, settings.timeout).catch(() => undefined);
    if (limiter && !release) {
      this.declined = 'no-slot';
      return;
    }
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
    void release?.(exchange.status === undefined ? 'abandoned' : 'ended');
    this.reporter.attempt({ operation: 'health-check', apiKey: settings.apiKey, attempt: 0, startedAt, exchange });
  }
}
