import { jest } from '@jest/globals';
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenTelemetryTelemetry } from './open-telemetry.js';

// Without an SDK, @opentelemetry/api's tracer is a no-op: a call must not pay for a span it drops.
describe('OpenTelemetry without an SDK registered', () => {
  afterEach(() => {
    api.trace.disable();
    jest.restoreAllMocks();
  });

  it('starts no span, and runs the call as it is', async () => {
    const started = jest.spyOn(api.ProxyTracer.prototype, 'startActiveSpan');
    const telemetry = new OpenTelemetryTelemetry(api, 'plain');
    await expect(telemetry.call('authenticate-user', () => Promise.resolve('answer'))).resolves.toBe('answer');
    await expect(telemetry.call('authenticate-user', () => Promise.reject(new RangeError('x')))).rejects.toThrow('x');
    expect(started).not.toHaveBeenCalled();
  });

  it('starts spans once an SDK is registered, even after the module was built', async () => {
    const telemetry = new OpenTelemetryTelemetry(api, 'late');
    await telemetry.call('authenticate-user', () => Promise.resolve());
    const exporter = new InMemorySpanExporter();
    api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    await telemetry.call('authenticate-user', () => Promise.resolve());
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['opencx.authenticate_user']);
  });
});
