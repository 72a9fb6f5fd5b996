/** One run of the fleet quota measure (see quota-run.mjs). */
export interface QuotaRun {
  instances: number;
  users: number;
  perWindow: number;
  windowMs: number;
  maxWait: number;
  upstreamWindow: 'fixed' | 'rolling';
  redis?: string;
}

export interface QuotaResult {
  upstream429: number;
  served: number;
  limited: number;
  otherErrors: number;
  /** Calls that could have been served within maxWait and were not. */
  servedBelowServable: number;
  /** Share of the quota used in each full window. */
  quotaUse: number[];
  p50WaitMs: number;
  p99WaitMs: number;
}

export function runQuota(run: QuotaRun): Promise<QuotaResult>;
