import * as api from '@opentelemetry/api';
import { context, metrics, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { useOpenCxHarness } from '../../test/opencx-harness.js';
import { OpenTelemetryTelemetry } from './open-telemetry.js';

const KEY = 'sk_otel_canary_31';
const USER = {
  email: 'traced.person@example.com',
  name: 'Tracy Canary',
  phone: '+447700900777',
  customData: { plan: 'secret-plan-canary' },
  http_action_overrides: { headers: { 'x-tenant-secret': 'header-canary-value' } },
};
const SECRETS = [KEY, USER.email, USER.name, USER.phone, 'secret-plan-canary', 'header-canary-value'];

/** A reader the test collects from on demand (the SDK's public extension point). */
class CollectingReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

describe('OpenTelemetry spans and metrics', () => {
  const exporter = new InMemorySpanExporter();
  const reader = new CollectingReader();
  const h = useOpenCxHarness({ apiKey: KEY, retryDelay: 1, maxRetryDelay: 2, maxRetries: 1 });

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  });
  beforeEach(() => exporter.reset());
  afterAll(() => {
    trace.disable();
    metrics.disable();
    context.disable();
  });

  const spans = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);
  /** Every data point of the metric `name`, after a collection. */
  const points = async (name: string): Promise<Array<DataPoint<number | Histogram>>> => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .filter((scope) => scope.scope.name === 'nestjs-opencx')
      .flatMap((scope) => scope.metrics)
      .find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? []) as Array<DataPoint<number | Histogram>>;
  };
  const total = async (name: string, match: Attributes = {}): Promise<number> =>
    (await points(name))
      .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
      .reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : p.value.count), 0);

  it('traces each call with its cache outcome, attempts and wait, and counts calls and cache hits', async () => {
    const service = await h.boot({ name: 'eu' });
    const callsBefore = await total('opencx.client.calls', { 'opencx.outcome': 'success' });
    const hitsBefore = await total('opencx.client.cache.hits');

    await service.authenticateUser(USER);
    await service.authenticateUser(USER);

    const [miss, hit] = spans('opencx.authenticate_user');
    expect(miss?.kind).toBe(0); // SpanKind.INTERNAL
    expect(miss?.attributes).toMatchObject({
      'opencx.operation': 'authenticate_user',
      'opencx.registration': 'eu',
      'opencx.cache.outcome': 'miss',
      'opencx.outcome': 'success',
      'opencx.attempts': 1,
    });
    expect(miss?.attributes['opencx.rate_limit.wait_duration']).toEqual(expect.any(Number));
    expect(hit?.attributes).toMatchObject({ 'opencx.cache.outcome': 'hit', 'opencx.attempts': 0 });
    expect(miss?.status.code).toBe(0); // unset: OpenTelemetry leaves success to the backend
    expect(await total('opencx.client.calls', { 'opencx.outcome': 'success' })).toBe(callsBefore + 2);
    expect(await total('opencx.client.cache.hits', { 'opencx.registration': 'eu' })).toBe(hitsBefore + 1);
  });

  it("makes the call's span the active one while the HTTP request is sent, under the caller's span", async () => {
    const service = await h.boot();
    const seen: Array<string | undefined> = [];
    service.httpService.axiosRef.interceptors.request.use((config) => {
      // What an HTTP instrumentation reads to parent its client span.
      seen.push(trace.getActiveSpan()?.spanContext().spanId);
      return config;
    });
    const outer = trace.getTracer('app').startSpan('POST /chat/token');
    await context.with(trace.setSpan(context.active(), outer), () => service.authenticateUser(USER));
    outer.end();

    const [call] = spans('opencx.authenticate_user');
    expect(seen).toEqual([call?.spanContext().spanId]);
    expect(call?.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(call?.spanContext().traceId).toBe(outer.spanContext().traceId);
  });

  it('says joined for an identical call that shared one in flight', async () => {
    const service = await h.boot();
    await Promise.all([service.authenticateUser(USER), service.authenticateUser(USER)]);
    expect(h.fake.authenticateRequests()).toHaveLength(1);
    const outcomes = spans('opencx.authenticate_user').map((s) => s.attributes['opencx.cache.outcome']);
    expect(outcomes).toHaveLength(2);
    expect(new Set(outcomes)).toEqual(new Set(['joined', 'miss']));
  });

  it('says miss without a cache, and counts every attempt of a retried call', async () => {
    const service = await h.boot({ cache: false });
    h.fake.failNext(1, 503);
    const before = await total('opencx.client.request.duration', { 'http.response.status_code': 503 });

    await service.authenticateUser(USER);

    const [call] = spans('opencx.authenticate_user');
    expect(call?.attributes).toMatchObject({ 'opencx.cache.outcome': 'miss', 'opencx.attempts': 2 });
    expect(await total('opencx.client.request.duration', { 'http.response.status_code': 503 })).toBe(before + 1);
    const failed = (await points('opencx.client.request.duration')).find(
      (p) => p.attributes['http.response.status_code'] === 503,
    );
    expect(failed?.attributes['error.type']).toBe('OpenCxApiError');
  });

  it('marks a failed call as an error by its class name only, and counts it by that class', async () => {
    const service = await h.boot({ cache: false });
    h.fake.failNext(2, 503);
    const before = await total('opencx.client.calls', { 'error.type': 'OpenCxApiError' });

    await expect(service.authenticateUser(USER)).rejects.toThrow();

    const [call] = spans('opencx.authenticate_user');
    expect(call?.status).toEqual({ code: 2, message: 'OpenCxApiError' }); // SpanStatusCode.ERROR
    expect(call?.attributes).toMatchObject({ 'error.type': 'OpenCxApiError', 'opencx.outcome': 'error' });
    expect(await total('opencx.client.calls', { 'error.type': 'OpenCxApiError' })).toBe(before + 1);
  });

  it('counts client-side refusals apart from upstream answers, and records the limiter wait of each attempt', async () => {
    const service = await h.boot({ cache: false, rateLimit: { perMinute: 1, maxWait: 0 } });
    const refusedBefore = await total('opencx.client.rate_limit.refusals');
    const waitsBefore = await total('opencx.client.rate_limit.wait.duration');

    await service.authenticateUser(USER);
    await expect(service.authenticateUser(USER)).rejects.toThrow();

    expect(await total('opencx.client.rate_limit.refusals')).toBe(refusedBefore + 1);
    expect(await total('opencx.client.rate_limit.wait.duration')).toBe(waitsBefore + 1);
    // A free slot is taken at once: the first call's wait is a matter of microseconds, not seconds.
    const [sent] = spans('opencx.authenticate_user');
    expect(sent?.attributes['opencx.rate_limit.wait_duration']).toBeGreaterThanOrEqual(0);
    expect(sent?.attributes['opencx.rate_limit.wait_duration']).toBeLessThan(1);
    const refused = spans('opencx.authenticate_user')[1];
    expect(refused?.attributes).toMatchObject({ 'error.type': 'OpenCxClientRateLimitError', 'opencx.attempts': 0 });
    expect(h.fake.authenticateRequests()).toHaveLength(1);
  });

  it('describes each instrument, with its unit', async () => {
    const service = await h.boot({ rateLimit: { perMinute: 1, maxWait: 0 } });
    await service.authenticateUser(USER);
    await service.authenticateUser(USER);
    await expect(service.authenticateUser({ email: 'other@example.com' })).rejects.toThrow();
    const { resourceMetrics } = await reader.collect();
    const described = Object.fromEntries(
      resourceMetrics.scopeMetrics
        .filter((scope) => scope.scope.name === 'nestjs-opencx')
        .flatMap((scope) => scope.metrics)
        .map(({ descriptor }) => [descriptor.name, [descriptor.description, descriptor.unit]]),
    );
    expect(described).toEqual({
      'opencx.client.calls': ['Calls of authenticateUser and deleteContact, by outcome', '{call}'],
      'opencx.client.cache.hits': ['Calls answered from the token cache, without asking OpenCX', '{call}'],
      'opencx.client.rate_limit.refusals': [
        'Calls the client-side rate limit refused before sending them (OpenCX was not asked)',
        '{call}',
      ],
      'opencx.client.request.duration': [
        'Upstream attempts, from sending the request to reading the whole answer',
        's',
      ],
      'opencx.client.rate_limit.wait.duration': ['Time an attempt waited for a client-side rate-limit slot', 's'],
    });
  });

  it('buckets durations from 5 ms to 60 s, so p50 and p99 mean something', async () => {
    const service = await h.boot({ cache: false, rateLimit: { perMinute: 1_000 } });
    h.fake.delayNext(1, 120);
    await service.authenticateUser(USER);
    const boundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];
    for (const name of ['opencx.client.request.duration', 'opencx.client.rate_limit.wait.duration']) {
      const [point] = await points(name);
      expect((point?.value as Histogram | undefined)?.buckets.boundaries).toEqual(boundaries);
    }
    // The 120 ms answer lands between 100 and 250 ms, not in the SDK's default first bucket [0, 5] s.
    const answered = (await points('opencx.client.request.duration')).map((p) => (p.value as Histogram).buckets);
    const counts = answered.reduce(
      (sum, buckets) => sum.map((n, i) => n + (buckets.counts[i] ?? 0)),
      Array(17).fill(0),
    );
    expect(counts[6]).toBeGreaterThanOrEqual(1);
  });

  it("adds up a call's waits for a rate-limit slot, in seconds", async () => {
    const telemetry = new OpenTelemetryTelemetry(api, 'waits');
    await telemetry.call('authenticate-user', (calls) => {
      calls.attempt(250);
      calls.attempt(1_500);
      return Promise.resolve();
    });
    const [call] = exporter.getFinishedSpans().filter((span) => span.attributes['opencx.registration'] === 'waits');
    expect(call?.attributes).toMatchObject({ 'opencx.attempts': 2, 'opencx.rate_limit.wait_duration': 1.75 });
  });

  it('names a failure that is not an Error "_OTHER", as the semantic conventions ask', async () => {
    const telemetry = new OpenTelemetryTelemetry(api, 'odd-failure');
    // oxlint-disable-next-line prefer-promise-reject-errors -- the case under test
    await expect(telemetry.call('authenticate-user', () => Promise.reject('thrown as a string'))).rejects.toBe(
      'thrown as a string',
    );
    const [call] = exporter
      .getFinishedSpans()
      .filter((span) => span.attributes['opencx.registration'] === 'odd-failure');
    expect(call?.attributes).toMatchObject({ 'error.type': '_OTHER', 'opencx.outcome': 'error' });
  });

  it('traces deleteContact as its own operation', async () => {
    const service = await h.boot();
    const { contact } = await service.authenticateUser(USER);
    exporter.reset();
    await service.deleteContact(contact!.id);
    const [erase] = spans('opencx.delete_contact');
    expect(erase?.attributes).toMatchObject({ 'opencx.operation': 'delete_contact', 'opencx.attempts': 1 });
  });

  it('puts no secret and no personal data in any span or metric', async () => {
    const service = await h.boot({ cache: false });
    h.fake.failNext(1, 401);
    await expect(service.authenticateUser(USER)).rejects.toThrow();
    await service.authenticateUser(USER);
    const recorded = JSON.stringify([
      exporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.status, s.events]),
      (await reader.collect()).resourceMetrics,
    ]);
    for (const secret of SECRETS) expect(recorded).not.toContain(secret);
    expect(recorded).toContain('opencx.authenticate_user');
  });

  it('records nothing with telemetry: false', async () => {
    const service = await h.boot({ telemetry: false });
    const before = await total('opencx.client.calls');
    await service.authenticateUser(USER);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(await total('opencx.client.calls')).toBe(before);
  });
});
