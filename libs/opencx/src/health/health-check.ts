import type { AttemptReporter } from '../call/attempt-reporter.js';
import { Scrubber } from '../errors/scrub.js';
import { parseAuthenticateUserResponse } from '../http/response-body.js';
import type { Transport } from '../http/transport.js';
import { AUTHENTICATE_USER_PATH } from '../opencx.constants.js';
import type { ClientRateLimiter } from '../rate-limit/client-rate-limiter.js';
import type { OpenCxFleetStore } from '../store/opencx-fleet-store.interface.js';
import { monotonicNow } from '../util/clock.js';
import type { HealthMonitor, OpenCxHealth } from './health-monitor.js';

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

/**
 * `ContactAuthService.checkHealth()`: the monitor's verdict (from recent traffic, or one probe that
 * creates no contact and takes a free rate-limit slot only), the key's pause, and the fleet's state.
 * Never throws.
 */
export class OpenCxHealthCheck {
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
    const { settings } = this;
    const fleet = settings.sharedStore ? (this.store.degraded === true ? 'degraded' : 'shared') : 'local';
    let verdict: Omit<OpenCxHealth, 'fleet'>;
    try {
      verdict = (await this.monitor.check(() => this.probe())) ?? {
        status: 'down',
        reachable: false,
        apiKey: 'unverified',
        reason: 'not checked yet: no free rate-limit slot for a probe',
        source: 'probe',
        checkedAt: new Date().toISOString(),
      };
    } catch (error) {
      verdict = {
        status: 'down',
        reachable: false,
        apiKey: 'unverified',
        reason: `health check failed (${errorName(error)})`,
        source: 'probe',
        checkedAt: new Date().toISOString(),
      };
    }
    const paused = (await this.limiter?.pausedFor(settings.limiterKey).catch(() => 0)) ?? 0;
    if (paused <= 0) return { ...verdict, fleet };
    const pausedUntil = new Date(Date.now() + paused).toISOString();
    return {
      ...verdict,
      fleet,
      status: 'down',
      reason: `paused after an upstream 429 until ${pausedUntil}`,
      pausedUntil,
    };
  }

  /** The health check's one request: the registration's key, no retry, and only with a free limiter slot. */
  private async probe(): Promise<void> {
    const { settings, limiter } = this;
    if (this.shutdown.aborted) return;
    const release = await limiter?.tryAcquire(settings.limiterKey, settings.timeout).catch(() => undefined);
    if (limiter && !release) return;
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
