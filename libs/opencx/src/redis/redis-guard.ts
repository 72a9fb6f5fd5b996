import type { Logger } from '@nestjs/common';

/** How long a Redis operation may take before the library falls back to local behaviour. */
export const REDIS_OPERATION_TIMEOUT_MS = 250;
const WARNING_INTERVAL_MS = 30_000;

/**
 * Runs a Redis operation with a time bound; on error or timeout returns `fallback()` and logs a
 * warning (at most every 30 s). A Redis outage degrades the fleet to per-instance behaviour; it
 * never fails a user's request.
 */
export class RedisGuard {
  private lastWarning = 0;

  constructor(private readonly logger: Logger) {}

  async run<T>(operation: () => Promise<T>, fallback: () => T, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        operation(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), REDIS_OPERATION_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      const now = Date.now();
      if (now - this.lastWarning > WARNING_INTERVAL_MS) {
        this.lastWarning = now;
        this.logger.warn(`Redis unavailable for ${what} (${(error as Error).message}); using local behaviour`);
      }
      return fallback();
    } finally {
      clearTimeout(timer);
    }
  }
}
