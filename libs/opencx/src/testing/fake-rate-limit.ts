/** How often keys with no request in the current window are forgotten, so random keys cannot grow the map for good. */
const SWEEP_EVERY = 1_000;

/**
 * The fake's rate limit: `perWindow` requests per API key in each window, as OpenCX's limit is
 * assumed to be (its reference gives 100 a minute and does not say per what). `'rolling'`: at most
 * the limit in any window-long interval; `'fixed'`: windows open at the fake's first request and
 * follow each other back to back, each key counted in each.
 */
export class FakeRateLimit {
  /** Each key's arrivals in its current window, oldest first. */
  private readonly keys = new Map<string, number[]>();
  private gridStart: number | undefined;
  private arrivals = 0;

  constructor(
    private perWindow: number | undefined,
    private readonly windowMs: number,
    private readonly kind: 'rolling' | 'fixed',
  ) {}

  /** Counts one request of `key`, or refuses it: then the seconds until the key has a slot again. */
  take(key: string, now = Date.now()): { retryAfterSeconds: number } | undefined {
    if (this.perWindow === undefined) return undefined;
    const opened = this.windowStart(now);
    if (++this.arrivals % SWEEP_EVERY === 0) this.sweep(opened);
    const times = (this.keys.get(key) ?? []).filter((t) => t >= opened);
    this.keys.set(key, times);
    if (times.length >= this.perWindow) {
      const resetsAt = (this.kind === 'fixed' ? opened : times[0]!) + this.windowMs;
      return { retryAfterSeconds: Math.max(1, Math.ceil((resetsAt - now) / 1000)) };
    }
    times.push(now);
    return undefined;
  }

  /** Changes the limit (undefined: none) and forgets every window. */
  set(perWindow: number | undefined): void {
    this.perWindow = perWindow;
    this.reset();
  }

  /** Forgets every window, keeping the limit. */
  reset(): void {
    this.keys.clear();
    this.gridStart = undefined;
  }

  /** The earliest arrival that still counts at `now`. */
  private windowStart(now: number): number {
    if (this.kind === 'rolling') return now - this.windowMs + 1;
    this.gridStart ??= now;
    return this.gridStart + Math.floor((now - this.gridStart) / this.windowMs) * this.windowMs;
  }

  private sweep(opened: number): void {
    for (const [key, times] of this.keys) if (!times.some((t) => t >= opened)) this.keys.delete(key);
  }
}
