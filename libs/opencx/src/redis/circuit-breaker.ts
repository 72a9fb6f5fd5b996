import type { Logger } from '@nestjs/common';
import { monotonicNow } from '../util/clock.js';

/** How long the breaker stays open after a failure before one operation may try Redis again. */
export const BREAKER_COOLDOWN_MS = 5_000;

/** The longest an operation may wait, as a multiple of the timeout, while Redis is seen answering others. */
const PATIENCE = 10;

/** What the breaker tells its owner. */
export interface BreakerEvents {
  /** Redis was judged unavailable: operations now fall back. */
  opened?: () => void;
  /** Redis answered again after an outage. */
  closed?: () => void;
}

/**
 * Bounds every Redis operation and stops asking a Redis that failed: an operation that errors, or
 * gets no answer within `timeoutMs`, opens the breaker; operations then go straight to their
 * fallback for {@link BREAKER_COOLDOWN_MS}, after which a single operation tries Redis again.
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
    private readonly logger: Logger,
    private readonly events: BreakerEvents = {},
  ) {}

  /** Whether operations currently skip Redis. */
  get isOpen(): boolean {
    return monotonicNow() < this.openUntil || this.trying;
  }

  /** `operation`'s outcome while Redis answers; `fallback`'s while the breaker is open or when it fails. */
  async run<T>(operation: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    const halfOpen = this.openUntil !== 0;
    if (this.isOpen) return fallback();
    if (halfOpen) this.trying = true;
    try {
      const result = await this.bounded(operation);
      if (halfOpen) this.close();
      return result;
    } catch (error) {
      this.open(error);
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
  private bounded<T>(operation: () => Promise<T>): Promise<T> {
    const sentAt = monotonicNow();
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
            else reject(new Error(`no answer within ${this.timeoutMs} ms`));
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
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private open(error: unknown): void {
    const wasClosed = this.openUntil === 0;
    this.openUntil = monotonicNow() + BREAKER_COOLDOWN_MS;
    if (wasClosed) this.events.opened?.();
    if (this.warned) return;
    this.warned = true;
    const why = error instanceof Error ? error.message : 'error';
    this.logger.warn(
      `Redis unavailable (${why}); this instance works on its own share of the limit, retrying every ${BREAKER_COOLDOWN_MS} ms`,
    );
  }

  private close(): void {
    this.openUntil = 0;
    this.events.closed?.();
    if (this.warned) this.logger.log('Redis is back; the fleet shares state again');
    this.warned = false;
  }
}
