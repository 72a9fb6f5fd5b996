import type { Logger } from '@nestjs/common';
import { monotonicNow } from '../util/clock.js';
import { isDataError } from './redis-client.js';

/** The longest an operation may wait, as a multiple of the timeout, while Redis is seen answering others. */
const PATIENCE = 10;

/** What the breaker tells its owner. */
export interface BreakerEvents {
  /** Redis was judged unavailable by an operation sent at `sentAt` (monotonic ms): operations now fall back. */
  opened?: (sentAt: number) => void;
  /** Redis answered again after an outage. */
  closed?: () => void;
}

/** An operation that saw Redis silent for a whole time-out. */
class RedisSilentError extends Error {
  override readonly name = 'RedisSilentError';
}

/**
 * Bounds every Redis operation and stops asking a Redis that is down. An operation that gets no
 * answer within `timeoutMs`, or fails to reach Redis (a refused or lost connection, a server
 * loading or out of memory), opens the breaker; operations then go straight to their fallback for
 * `cooldownMs`, after which a single operation tries Redis again. A reply that blames the data or
 * the script (`ERR`, `WRONGTYPE`) is that key's problem: that operation falls back, Redis stays in use.
 *
 * A slow event loop is not a Redis failure. When an operation's time is up, it is judged on what
 * Redis did, not on the clock alone: if Redis answered any other operation since this one was
 * sent, Redis is alive and the answer is queued behind a busy process, so the operation waits on
 * (up to ten times the timeout; the call's own deadline still bounds the call); if the timer
 * itself fired late, the process was blocked and the wait is extended likewise. Only an operation
 * that saw Redis silent for a whole timeout, on time, opens the breaker.
 */
export class CircuitBreaker {
  private openUntil = 0;
  private trying = false;
  private warned = false;
  private lastAnswerAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly timeoutMs: number,
    private readonly cooldownMs: number,
    private readonly logger: Logger,
    private readonly events: BreakerEvents = {},
  ) {}

  /** Whether operations currently skip Redis. */
  get isOpen(): boolean {
    return monotonicNow() < this.openUntil || this.trying;
  }

  /** Whether Redis failed and no trial has succeeded since (open, or half-open waiting for its trial). */
  get tripped(): boolean {
    return this.openUntil !== 0;
  }

  /** `operation`'s outcome while Redis answers; `fallback`'s while the breaker is open or when it fails. */
  async run<T>(operation: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    const halfOpen = this.openUntil !== 0;
    if (this.isOpen) return fallback();
    if (halfOpen) this.trying = true;
    const sentAt = monotonicNow();
    try {
      const result = await this.bounded(operation, sentAt);
      if (halfOpen) this.close();
      return result;
    } catch (error) {
      if (!isDataError(error)) this.open(error, sentAt);
      return fallback();
    } finally {
      if (halfOpen) this.trying = false;
    }
  }

  /** Like {@link run}, but rejects instead of falling back: for operations that must reach Redis. */
  async require<T>(operation: () => Promise<T>): Promise<T> {
    let failed = false;
    const result = await this.run(operation, () => {
      failed = true;
      return undefined as T;
    });
    if (failed) throw new Error('Redis is unavailable');
    return result;
  }

  /** `operation`'s outcome, or a time-out when Redis stayed silent for a whole `timeoutMs`. */
  private bounded<T>(operation: () => Promise<T>, sentAt: number): Promise<T> {
    let attempt: Promise<T>;
    try {
      attempt = operation();
    } catch (error) {
      attempt = Promise.reject(error);
    }
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = (ms: number): void => {
        const due = monotonicNow() + ms;
        timer = setTimeout(() => {
          // Decided after the event loop's I/O phase: an answer already in the socket is read first.
          setImmediate(() => {
            const now = monotonicNow();
            const blocked = now - due > this.timeoutMs / 2;
            const answering = this.lastAnswerAt > sentAt;
            if ((blocked || answering) && now - sentAt < PATIENCE * this.timeoutMs) arm(this.timeoutMs);
            else reject(new RedisSilentError(`no answer within ${this.timeoutMs} ms`));
          });
        }, ms);
      };
      arm(this.timeoutMs);
      attempt.then(
        (value) => {
          this.lastAnswerAt = monotonicNow();
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          // A reply, even an error reply, is Redis answering.
          if (isDataError(error)) this.lastAnswerAt = monotonicNow();
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private open(error: unknown, sentAt: number): void {
    const wasClosed = this.openUntil === 0;
    this.openUntil = monotonicNow() + this.cooldownMs;
    if (wasClosed) this.events.opened?.(sentAt);
    if (this.warned) return;
    this.warned = true;
    this.logger.warn(
      `Redis unavailable (${describe(error)}); this instance works on its own share of the limit, trying Redis again every ${this.cooldownMs} ms`,
    );
  }

  private close(): void {
    this.openUntil = 0;
    this.events.closed?.();
    if (this.warned) this.logger.log('Redis is back; the fleet shares state again');
    this.warned = false;
  }
}

/** What the warning says of a failure: its class and code, or the breaker's own time-out (never a URL or reply text). */
function describe(error: unknown): string {
  if (error instanceof RedisSilentError) return error.message;
  if (!(error instanceof Error)) return 'error';
  const name = error.name === 'Error' ? error.constructor.name : error.name;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? `${name} ${code}` : name;
}
