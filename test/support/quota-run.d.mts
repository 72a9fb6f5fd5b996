/** One run of the fleet quota measure (see quota-run.mjs). */
export interface QuotaRun {
  instances: number;
  users: number;
  perWindow: number;
  windowMs: number;
  maxWait: number;
  upstreamWindow: 'fixed' | 'rolling';
  redis?: string;
  /** The instances (by index) the first burst is spread over; every one by default. */
  on?: number[];
  /**
   * Done `ms` after the burst started: `act` (a fault such as Redis killed), then `users` more new
   * users at once, spread over the instances `on` (every one by default).
   */
  events?: Array<{ ms: number; act?: () => unknown; users?: number; on?: number[] }>;
}

/** One call of a run: its instance, and when it started and ended, in ms from the burst's start. */
export interface QuotaCall {
  instance: number;
  startedMs: number;
  endedMs: number;
  served: boolean;
  waitMs: number;
  limited?: boolean;
  errorClass?: string;
}

export interface QuotaResult {
  /** Requests that reached OpenCX. */
  sent: number;
  upstream429: number;
  served: number;
  limited: number;
  otherErrors: number;
  /** The class names of those other errors. */
  otherErrorClasses: string[];
  /** Calls that could have been served within maxWait and were not. */
  servedBelowServable: number;
  /** Share of the quota used in each full window. */
  quotaUse: number[];
  /** The most requests OpenCX received in any window-long interval. */
  mostInWindow: number;
  p50WaitMs: number;
  p99WaitMs: number;
  /** Every call, in the order made. */
  calls: QuotaCall[];
  /** When each request reached OpenCX, in ms from the burst's start, in order. */
  arrivalsMs: number[];
  /** When each event's `act` had finished, in ms from the burst's start. */
  eventsDoneMs: number[];
}

export function runQuota(run: QuotaRun): Promise<QuotaResult>;
