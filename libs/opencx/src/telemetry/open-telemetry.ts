import type * as OpenTelemetryApi from '@opentelemetry/api';
import { VERSION } from '../version.js';
import {
  NO_TRACE,
  type AttemptFacts,
  type CacheOutcome,
  type CallTrace,
  type Telemetry,
  type TelemetryOperation,
} from './telemetry.js';

type Api = typeof OpenTelemetryApi;
type Attributes = OpenTelemetryApi.Attributes;

/** The instrumentation scope: the package, as OpenTelemetry names a library's tracer and meter. */
const SCOPE = 'nestjs-opencx';

/**
 * Bucket boundaries of the duration histograms, in seconds: from 5 ms (a local upstream) to 60 s (a
 * wait for a rate-limit slot at the end of a window). The SDK's defaults start at 0 to 5 s, where
 * every request would land.
 */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];

/** Operation names as attribute values and in span names (snake_case, as OpenTelemetry's own). */
const OPERATION: Readonly<Record<TelemetryOperation, string>> = {
  'authenticate-user': 'authenticate_user',
  'delete-contact': 'delete_contact',
  'health-check': 'health_check',
};

/** What one call told its trace, and how it ended. */
class CallRecord implements CallTrace {
  cacheOutcome: CacheOutcome | undefined;
  attempts = 0;
  waitedMs = 0;
  errorType: string | undefined;

  cache(outcome: CacheOutcome): void {
    this.cacheOutcome = outcome;
  }

  attempt(waited: number): void {
    this.attempts++;
    this.waitedMs += waited;
  }

  /** The attributes of the call's outcome. */
  outcome(): Attributes {
    const outcome: Attributes = { 'opencx.outcome': this.errorType === undefined ? 'success' : 'error' };
    if (this.errorType !== undefined) outcome['error.type'] = this.errorType;
    if (this.cacheOutcome !== undefined) outcome['opencx.cache.outcome'] = this.cacheOutcome;
    return outcome;
  }
}

/**
 * Spans and metrics through `@opentelemetry/api`, which the application's SDK (if any) records.
 * Attributes hold only the operation, the registration's name, class names, statuses, counts and
 * durations: never the API key, an email, a name, a phone, custom data or a header.
 */
export class OpenTelemetryTelemetry implements Telemetry {
  private readonly tracer: OpenTelemetryApi.Tracer;
  private readonly calls: OpenTelemetryApi.Counter;
  private readonly cacheHits: OpenTelemetryApi.Counter;
  private readonly refusals: OpenTelemetryApi.Counter;
  private readonly requestDuration: OpenTelemetryApi.Histogram;
  private readonly waitDuration: OpenTelemetryApi.Histogram;
  /** The attributes every record of an operation carries, built once. */
  private readonly common: Readonly<Record<TelemetryOperation, Attributes>>;
  private sdkSeen = false;
  /**
   * Whether a MeterProvider records the metrics. The API's instruments are fixed when made: made
   * without an SDK they are no-ops for good, and a call need not prepare what they would drop.
   */
  private readonly metered: boolean;

  constructor(
    private readonly api: Api,
    private readonly name: string,
  ) {
    this.tracer = api.trace.getTracer(SCOPE, VERSION);
    const common = (operation: TelemetryOperation): Attributes =>
      Object.freeze({ 'opencx.operation': OPERATION[operation], 'opencx.registration': name });
    this.common = {
      'authenticate-user': common('authenticate-user'),
      'delete-contact': common('delete-contact'),
      'health-check': common('health-check'),
    };
    const meter = api.metrics.getMeter(SCOPE, VERSION);
    this.metered = Object.getPrototypeOf(meter) !== Object.getPrototypeOf(api.createNoopMeter());
    this.calls = meter.createCounter('opencx.client.calls', {
      description: 'Calls of authenticateUser and deleteContact, by outcome',
      unit: '{call}',
    });
    this.cacheHits = meter.createCounter('opencx.client.cache.hits', {
      description: 'Calls answered from the token cache, without asking OpenCX',
      unit: '{call}',
    });
    this.refusals = meter.createCounter('opencx.client.rate_limit.refusals', {
      description: 'Calls the client-side rate limit refused before sending them (OpenCX was not asked)',
      unit: '{call}',
    });
    const advice = { explicitBucketBoundaries: DURATION_BUCKETS };
    this.requestDuration = meter.createHistogram('opencx.client.request.duration', {
      description: 'Upstream attempts, from sending the request to reading the whole answer',
      unit: 's',
      advice,
    });
    this.waitDuration = meter.createHistogram('opencx.client.rate_limit.wait.duration', {
      description: 'Time an attempt waited for a client-side rate-limit slot',
      unit: 's',
      advice,
    });
  }

  call<T>(operation: TelemetryOperation, work: (trace: CallTrace) => Promise<T>): Promise<T> {
    if (!this.tracing()) return this.metered ? this.run(operation, work, undefined) : work(NO_TRACE);
    return this.tracer.startActiveSpan(
      `opencx.${OPERATION[operation]}`,
      { kind: this.api.SpanKind.INTERNAL, attributes: this.common[operation] },
      (span) => this.run(operation, work, span),
    );
  }

  /**
   * Whether an SDK records spans. Without one, the API's tracer makes spans only to drop them: a
   * call then starts none. Asked until an SDK is seen, so one registered after start-up is used.
   */
  private tracing(): boolean {
    if (this.sdkSeen) return true;
    const provider = this.api.trace.getTracerProvider();
    this.sdkSeen =
      !(provider instanceof this.api.ProxyTracerProvider) || provider.getDelegateTracer(SCOPE, VERSION) !== undefined;
    return this.sdkSeen;
  }

  /** Runs one call (in its span's context when there is one), then records its outcome. */
  private async run<T>(
    operation: TelemetryOperation,
    work: (trace: CallTrace) => Promise<T>,
    span: OpenTelemetryApi.Span | undefined,
  ): Promise<T> {
    const record = new CallRecord();
    try {
      return await work(record);
    } catch (error) {
      record.errorType = error instanceof Error ? error.name : '_OTHER';
      throw error;
    } finally {
      const common = this.common[operation];
      const outcome = record.outcome();
      if (span) {
        span.setAttributes({
          ...outcome,
          'opencx.attempts': record.attempts,
          'opencx.rate_limit.wait_duration': record.waitedMs / 1000,
        });
        // The class name only: a message is the library's, but a status description is often exported as is.
        if (record.errorType !== undefined) {
          span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: record.errorType });
        }
        span.end();
      }
      this.calls.add(1, { ...common, ...outcome });
      if (record.cacheOutcome === 'hit') this.cacheHits.add(1, common);
    }
  }

  attempt(operation: TelemetryOperation, facts: AttemptFacts): void {
    if (!this.metered) return;
    const common = this.common[operation];
    const attributes: Attributes = { ...common };
    if (facts.status !== undefined) attributes['http.response.status_code'] = facts.status;
    if (facts.error !== undefined) attributes['error.type'] = facts.error;
    this.requestDuration.record(facts.durationMs / 1000, attributes);
    if (facts.waitedMs !== undefined) this.waitDuration.record(facts.waitedMs / 1000, common);
  }

  refused(): void {
    if (!this.metered) return;
    this.refusals.add(1, { 'opencx.registration': this.name });
  }
}
