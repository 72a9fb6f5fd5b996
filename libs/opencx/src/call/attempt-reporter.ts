import type { Logger } from '@nestjs/common';
import type { OpenCxClientRateLimitError } from '../errors/opencx.errors.js';
import type { Exchange } from '../http/transport.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { monotonicNow } from '../util/clock.js';
import { notifyAttempt, outcomeOf, type OpenCxAttemptEvent, type OpenCxAttemptListener } from './attempt-event.js';
import type { OpenCxOperation } from './call.js';

/** A refused key is logged at most this often. */
const REFUSED_KEY_LOG_INTERVAL = 60_000;
/** A wait for a rate-limit slot longer than this is logged (debug). */
const SLOW_WAIT_MS = 1_000;

/** One upstream attempt, as it ended. */
export interface AttemptReport {
  operation: OpenCxOperation;
  /** The call's API key: only the registration's own key says anything about its health. */
  apiKey: string;
  /** 0 for a call's first attempt. */
  attempt: number;
  /** When the request was sent, on the monotonic clock. */
  startedAt: number;
  exchange: Exchange<unknown>;
  /** Ms before the next attempt, or undefined when this was the last. */
  retryDelay?: number;
  /** Ms this attempt waited for a rate-limit slot. */
  waitedMs?: number;
}

/** Where what an exchange proves about OpenCX goes (the health monitor). */
export interface HealthEvidence {
  observe(status: number | undefined, failure: unknown, source: 'traffic' | 'probe'): void;
}

/** What the reporter needs to know of its registration. */
export interface ReporterSettings {
  /** The registration's name, in `onAttempt` events. */
  name: string;
  /** The registration's own API key: only its exchanges are health evidence. */
  apiKey: string;
  /** Whether a client-side rate limit is on (a wait is then reported, 0 included). */
  rateLimited: boolean;
  /** The limiter's window: a client-side refusal is logged at most once per window. */
  refusalLogInterval: number;
  onAttempt?: OpenCxAttemptListener;
}

/**
 * Tells everyone who listens about each attempt: the health monitor learns from the registration's
 * own key, telemetry records it, `onAttempt` hears of it, and a retry or a long wait is logged at
 * debug level (class and status only). A refused key and a client-side refusal are logged at most
 * once per interval.
 */
export class AttemptReporter {
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly settings: ReporterSettings,
    private readonly health: HealthEvidence,
    private readonly telemetry: Telemetry,
    private readonly logger: Logger,
  ) {}

  attempt({ operation, apiKey, attempt, startedAt, exchange, retryDelay, waitedMs = 0 }: AttemptReport): void {
    const { status, failure } = exchange;
    if (apiKey === this.settings.apiKey) {
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
      waitedMs: this.settings.rateLimited ? waitedMs : undefined,
    });
    if (waitedMs > SLOW_WAIT_MS) {
      this.logger.debug(`${operation} attempt ${attempt + 1} waited ${Math.round(waitedMs)} ms for a rate-limit slot`);
    }
    if (retryDelay !== undefined) {
      this.logger.debug(
        `${operation} attempt ${attempt + 1} failed (${describe(failure)}); retrying in ${retryDelay} ms`,
      );
    }
    const { onAttempt } = this.settings;
    if (!onAttempt) return;
    const event: OpenCxAttemptEvent = {
      name: this.settings.name,
      operation,
      attempt: attempt + 1,
      outcome: outcomeOf(status, failure),
      durationMs,
      willRetry: retryDelay !== undefined,
    };
    if (status !== undefined) event.status = status;
    if (error !== undefined) event.error = error;
    if (retryDelay !== undefined) event.retryDelayMs = retryDelay;
    notifyAttempt(onAttempt, event, this.logger);
  }

  /** A client-side refusal, logged as a warning at most once a window (never as an upstream 429). */
  refused(error: OpenCxClientRateLimitError): void {
    this.telemetry.refused();
    if (!this.once('client-refusal', this.settings.refusalLogInterval)) return;
    this.logger.warn(
      `Client-side rate limit (rateLimit option) refused a call before sending it (${error.reason}; a slot in about ${error.retryAfter} s); OpenCX was not asked`,
    );
  }

  /** Whether `what` was not logged in the last `interval` ms (and so may be now). */
  private once(what: string, interval: number): boolean {
    const now = monotonicNow();
    if (now - (this.lastLogged.get(what) ?? Number.NEGATIVE_INFINITY) < interval) return false;
    this.lastLogged.set(what, now);
    return true;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    return 'upstreamStatus' in error ? `${error.name} ${String(error.upstreamStatus)}` : error.name;
  }
  return 'unknown error';
}
