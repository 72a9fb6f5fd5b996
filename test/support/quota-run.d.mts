/** One run of the fleet quota measure (see quota-run.mjs). */
export interface QuotaRun {
  instances: number;
  users: number;
  perWindow: number;
  windowMs: number;
  maxWait: number;
  upstreamWindow: 'fixed' | 'rolling';
  redis?: string;
  /** Done `ms` after the burst started: `act` (a fault such as Redis killed), then `users` more new users at once. */
  events?: Array<{ ms: number; act?: () => unknown; users?: number }>;
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
}

export function runQuota(run: QuotaRun): Promise<QuotaResult>;
