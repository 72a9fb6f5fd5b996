import { hash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Logger } from '@nestjs/common';
import type { HttpService } from '@nestjs/axios';
import { CachedCall } from './cache/cached-call.js';
import { TokenCache } from './cache/token-cache.js';
import { AttemptRunner, type AttemptReport } from './call/attempt-runner.js';
import { notifyAttempt, outcomeOf, type OpenCxAttemptEvent } from './call/attempt-event.js';
import { OpenCxAbortError, type OpenCxClientRateLimitError } from './errors/opencx.errors.js';
import { HealthMonitor } from './health/health-monitor.js';
import { createHttpClient } from './http/http-client.js';
import { Transport, type Exchange } from './http/transport.js';
import type { OpenCxSharedState } from './opencx-shared.module.js';
import { DEFAULT_OPENCX_NAME } from './opencx.constants.js';
import type { ResolvedOpenCxOptions } from './opencx.options.js';
import { ClientRateLimiter } from './rate-limit/client-rate-limiter.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';
import { NO_TELEMETRY, type Telemetry } from './telemetry/telemetry.js';
import { monotonicNow } from './util/clock.js';

/** The rate limiter's key for an API key: hashed, as it may be stored in Redis. */
export function limiterKeyOf(apiKey: string): string {
  return hash('sha256', apiKey, 'base64url');
}

/** A refused key is logged at most this often. */
const REFUSED_KEY_LOG_INTERVAL = 60_000;
/** A wait for a rate-limit slot longer than this is logged (debug). */
const SLOW_WAIT_MS = 1_000;

/** Share of the per-minute limit health probes may use: 1 in 20. */
const PROBE_SHARE = 20;

/**
 * Everything one `OpenCxModule` registration owns: its options, its `HttpService` and the steps of
 * a call built from them. Made once per registration by a factory provider; the service only
 * wires the steps together.
 */
export class OpenCxRegistration {
  readonly logger: Logger;
  readonly http: HttpService;
  readonly transport: Transport;
  readonly cachedCall: CachedCall;
  readonly limiter: ClientRateLimiter | null;
  readonly runner: AttemptRunner;
  readonly health: HealthMonitor;
  readonly ownLimiterKey: string;
  private readonly closeHttp: () => void;
  private readonly stopping = new AbortController();
  private readonly lastLogged = new Map<string, number>();

  /**
   * @param store the registration's `store` option, or its own in-memory store (tokens only: the
   *   limiter then counts in the application's shared log).
   * @param telemetry where spans and metrics go (nowhere by default).
   */
  constructor(
    readonly options: ResolvedOpenCxOptions,
    readonly name: string,
    readonly store: OpenCxFleetStore,
    shared: OpenCxSharedState,
    ownStore: boolean,
    readonly telemetry: Telemetry = NO_TELEMETRY,
  ) {
    this.logger = new Logger(name === DEFAULT_OPENCX_NAME ? 'OpenCx' : `OpenCx:${name}`);
    // Every call in flight listens for shutdown (and leaves when it ends): many at once is load, not a leak.
    setMaxListeners(0, this.stopping.signal);
    const client = createHttpClient();
    this.http = client.http;
    this.closeHttp = () => client.close();
    this.transport = new Transport(this.http, options.baseUrl, options.maxResponseBytes);
    this.cachedCall = new CachedCall(options.cache ? new TokenCache(options.cache, store, this.logger) : null);
    const { rateLimit } = options;
    this.ownLimiterKey = limiterKeyOf(rateLimit && rateLimit.group ? `group:${rateLimit.group}` : options.apiKey);
    if (rateLimit) {
      shared.register(this.ownLimiterKey, { name, perMinute: rateLimit.perMinute, window: rateLimit.window });
      this.limiter = new ClientRateLimiter(
        { ...rateLimit, maxPause: options.maxRetryAfter },
        ownStore ? shared.limiterStore : store,
      );
    } else this.limiter = null;
    this.runner = new AttemptRunner(this.limiter, (report) => this.report(report.operation, report));
    const probeFloor = rateLimit ? (rateLimit.window * PROBE_SHARE) / Math.max(1, rateLimit.perMinute) : 0;
    this.health = new HealthMonitor(options.healthCheckInterval, probeFloor);
  }

  /** Whether `what` was not logged in the last `interval` ms (and so may be now). */
  once(what: string, interval: number): boolean {
    const now = monotonicNow();
    if (now - (this.lastLogged.get(what) ?? Number.NEGATIVE_INFINITY) < interval) return false;
    this.lastLogged.set(what, now);
    return true;
  }

  /** A client-side refusal, logged as a warning at most once a window (never as an upstream 429). */
  refused(error: OpenCxClientRateLimitError): void {
    this.telemetry.refused();
    if (!this.once('client-refusal', this.options.rateLimit ? this.options.rateLimit.window : 60_000)) return;
    this.logger.warn(
      `Client-side rate limit (rateLimit option) refused a call before sending it (${error.reason}; a slot in about ${error.retryAfter} s); OpenCX was not asked`,
    );
  }

  /** Fires when the application shuts down: every call in flight or waiting ends at once. */
  get shutdown(): AbortSignal {
    return this.stopping.signal;
  }

  /**
   * After each attempt: the health monitor learns from the registration's own key, `onAttempt`
   * hears about every attempt, and a retry is logged at debug level (class and status only).
   */
  report(
    operation: OpenCxAttemptEvent['operation'],
    { apiKey, attempt, startedAt, exchange, retryDelay, waitedMs = 0 }: Omit<AttemptReport, 'operation'>,
  ): void {
    const { status, failure }: Exchange<unknown> = exchange;
    if (apiKey === this.options.apiKey) {
      if (outcomeOf(status, failure) !== 'aborted')
        this.health.observe(status, failure, operation === 'health-check' ? 'probe' : 'traffic');
      // Only the operator can fix a refused key: said as an error, in any context, once a minute.
      if ((status === 401 || status === 403) && this.once('refused-key', REFUSED_KEY_LOG_INTERVAL)) {
        this.logger.error(`OpenCX refused the organisation's API key (${status}): check the apiKey option`);
      }
    }
    const durationMs = monotonicNow() - startedAt;
    const error = failure instanceof Error ? failure.name : undefined;
    this.telemetry.attempt(operation, {
      status,
      error,
      durationMs,
      waitedMs: this.limiter ? waitedMs : undefined,
    });
    if (waitedMs > SLOW_WAIT_MS) {
      this.logger.debug(`${operation} attempt ${attempt + 1} waited ${Math.round(waitedMs)} ms for a rate-limit slot`);
    }
    if (retryDelay !== undefined) {
      this.logger.debug(
        `${operation} attempt ${attempt + 1} failed (${describe(failure)}); retrying in ${retryDelay} ms`,
      );
    }
    if (!this.options.onAttempt) return;
    const event: OpenCxAttemptEvent = {
      name: this.name,
      operation,
      attempt: attempt + 1,
      outcome: outcomeOf(status, failure),
      durationMs,
      willRetry: retryDelay !== undefined,
    };
    if (status !== undefined) event.status = status;
    if (error !== undefined) event.error = error;
    if (retryDelay !== undefined) event.retryDelayMs = retryDelay;
    notifyAttempt(this.options.onAttempt, event, this.logger);
  }

  /**
   * The first of Nest's shutdown hooks: from here on nothing is sent. Calls waiting (for a slot, a
   * lock, a backoff) end at once with OpenCxAbortError, requests in flight are aborted and not
   * retried.
   */
  onModuleDestroy(): void {
    this.stopping.abort(new OpenCxAbortError('The application is shutting down'));
  }

  /** Nest calls this at shutdown (`enableShutdownHooks`, or `app.close()`). */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Stops every call, closes the keep-alive connections and the fleet store. */
  async close(): Promise<void> {
    this.onModuleDestroy();
    this.closeHttp();
    await this.store.close?.();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return 'upstreamStatus' in error ? `${error.name} ${String(error.upstreamStatus)}` : error.name;
  }
  return 'unknown error';
}
