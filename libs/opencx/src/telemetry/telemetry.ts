import type * as OpenTelemetryApi from '@opentelemetry/api';
import { importOptional } from '../util/optional-import.js';

/** Which public operation a call is, or a health probe. */
export type TelemetryOperation = 'authenticate-user' | 'delete-contact' | 'health-check';

/** How the cache step answered a call: from the cache, by asking OpenCX, or by joining an identical call. */
export type CacheOutcome = 'hit' | 'miss' | 'joined';

/** What one upstream attempt is reported with: facts only, no personal data and no secret. */
export interface AttemptFacts {
  /** The HTTP status of the answer; undefined when none arrived. */
  status?: number;
  /** The class name of the attempt's error; undefined on success. */
  error?: string;
  /** Milliseconds from sending the request to reading the whole answer (or failing). */
  durationMs: number;
  /** Milliseconds the attempt waited for a rate-limit slot; undefined without a rate limit. */
  waitedMs?: number;
}

/** One call's trace: what its steps tell it while it runs. */
export interface CallTrace {
  /** The cache step's outcome (the last one said counts). */
  cache(outcome: CacheOutcome): void;
  /** One attempt this call made, with the time it waited for a rate-limit slot. */
  attempt(waitedMs: number): void;
}

/**
 * What the library tells an observability backend: a trace per call, and facts per attempt and
 * per client-side refusal. The core holds only this interface; OpenTelemetry is loaded on demand.
 */
export interface Telemetry {
  /** Runs one call; `work` runs in the call's trace context, so the HTTP request is its child. */
  call<T>(operation: TelemetryOperation, work: (trace: CallTrace) => Promise<T>): Promise<T>;
  /** One upstream attempt, as it ended. */
  attempt(operation: TelemetryOperation, facts: AttemptFacts): void;
  /** A call the client-side rate limit refused before sending it. */
  refused(): void;
}

/** A trace that keeps nothing: for a call nobody records. */
export const NO_TRACE: CallTrace = { cache: () => undefined, attempt: () => undefined };

/** Telemetry off, or `@opentelemetry/api` not installed: nothing is recorded and nothing allocated. */
export const NO_TELEMETRY: Telemetry = {
  call: (_operation, work) => work(NO_TRACE),
  attempt: () => undefined,
  refused: () => undefined,
};

/**
 * OpenTelemetry for the registration `name`, when `@opentelemetry/api` can be loaded (an optional
 * peer): without an SDK registered, its tracer and meter are the API's no-ops.
 */
export async function loadTelemetry(name: string): Promise<Telemetry> {
  const api = await importOptional<typeof OpenTelemetryApi>('@opentelemetry/api');
  if (!api) return NO_TELEMETRY;
  const { OpenTelemetryTelemetry } = await import('./open-telemetry.js');
  return new OpenTelemetryTelemetry(api, name);
}
