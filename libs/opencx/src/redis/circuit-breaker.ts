import type { Logger } from '@nestjs/common';

/** How long the breaker stays open after a failure before one operation may try Redis again. */
export const BREAKER_COOLDOWN_MS = 5_000;

/**
 * Bounds every Redis operation and stops asking a Redis that failed: each operation may take at
 * most `timeoutMs`; after a failure or a time-out, operations go straight to their in-memory
 * fallback for {@link BREAKER_COOLDOWN_MS}, then a single operation tries Redis again (the others
 * keep falling back until it succeeds). A dead or frozen Redis so costs one bounded wait, not
 * one per call, and recovery needs nothing but time.
 */
export class CircuitBreaker {
  private openUntil = 0;
  private trying = false;
  private warned = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Whether operations currently skip Redis. */
  get isOpen(): boolean {
    return Date.now() < this.openUntil || this.trying;
  }

  async run<T>(operation: () => Promise<T>, fallback: () => T | Promise<T>): Promise<T> {
    const halfOpen = this.openUntil !== 0;
    if (this.isOpen) return fallback();
    if (halfOpen) this.trying = true;
    let timer: NodeJS.Timeout | undefined;
    let attempt: Promise<T>;
    try {
      attempt = operation();
    } catch (error) {
      attempt = Promise.reject(error);
    }
    // A late rejection, after the time-out already decided, must not become unhandled.
    attempt.catch(() => undefined);
    try {
      const result = await Promise.race([
        attempt,
        new Promise<never>((_, reject) => {
          // Decided after the event loop's I/O phase: on a busy process the timer can fire while
          // Redis's answer already waits in the socket, and that is lag, not a Redis failure.
          const expire = (): void =>
            void setImmediate(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)));
          timer = setTimeout(expire, this.timeoutMs);
        }),
      ]);
      if (halfOpen) this.close();
      return result;
    } catch (error) {
      this.open(error);
      return fallback();
    } finally {
      clearTimeout(timer);
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

  private open(error: unknown): void {
    this.openUntil = Date.now() + BREAKER_COOLDOWN_MS;
    if (this.warned) return;
    this.warned = true;
    const why = error instanceof Error ? error.message : 'error';
    this.logger.warn(`Redis unavailable (${why}); using in-memory behaviour, retrying every ${BREAKER_COOLDOWN_MS} ms`);
  }

  private close(): void {
    this.openUntil = 0;
    if (this.warned) this.logger.log('Redis is back; the fleet shares state again');
    this.warned = false;
  }
}
