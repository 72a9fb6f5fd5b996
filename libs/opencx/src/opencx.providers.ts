import { Logger, type Provider } from '@nestjs/common';
import { CachedCall } from './cache/cached-call.js';
import { TokenCache } from './cache/token-cache.js';
import { AttemptReporter } from './call/attempt-reporter.js';
import { AttemptRunner } from './call/attempt-runner.js';
import { CallPlanner } from './call/call-planner.js';
import { ContactAuthService } from './contact-auth.service.js';
import { OpenCxHealthCheck } from './health/health-check.js';
import { HealthMonitor } from './health/health-monitor.js';
import { createHttpClient, type OpenCxHttpClient } from './http/http-client.js';
import { Transport } from './http/transport.js';
import type { OpenCxSharedState } from './opencx-shared.module.js';
import {
  DEFAULT_OPENCX_NAME,
  OPENCX_FLEET_STORE,
  OPENCX_HTTP_CLIENT,
  OPENCX_INSTANCE_NAME,
  OPENCX_LOGGER,
  OPENCX_MODULE_OPTIONS,
  OPENCX_OPTIONS,
  OPENCX_RATE_LIMITER,
  OPENCX_SHARED_STATE,
  OPENCX_TELEMETRY,
  OPENCX_TOKEN_CACHE,
} from './opencx.constants.js';
import { OpenCxLifecycle } from './opencx.lifecycle.js';
import { resolveOpenCxOptions } from './opencx-options.rules.js';
import type { OpenCxModuleOptions, ResolvedOpenCxOptions } from './opencx.options.js';
import { ClientRateLimiter } from './rate-limit/client-rate-limiter.js';
import { MemoryFleetStore } from './store/memory-fleet-store.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';
import { loadTelemetry, NO_TELEMETRY, type Telemetry } from './telemetry/telemetry.js';

// The parts of one registration, each built by a factory from the parts below it. Nothing here
// runs per call: this is the wiring, read once at start-up.

/** Share of the per-minute limit health probes may use: 1 in 20. */
const PROBE_SHARE = 20;

/** Whether the registration's store is shared (the `store` or `redis` option) rather than its own. */
const sharesStore = (options: ResolvedOpenCxOptions): boolean =>
  options.store !== undefined || options.redis !== undefined;

const maxEntriesOf = (options: ResolvedOpenCxOptions): number => (options.cache ? options.cache.maxEntries : 1);

/**
 * The `store` option, or the store the `redis` shorthand stands for (the Redis entry point, and the
 * `redis` client it may load, are imported only then), or the registration's own in-memory store.
 */
async function createStore(options: ResolvedOpenCxOptions): Promise<OpenCxFleetStore> {
  if (options.store) return options.store;
  if (options.redis === undefined) return new MemoryFleetStore(maxEntriesOf(options));
  const { RedisFleetStore } = await import('./redis/index.js');
  const settings = { timeout: options.redisTimeout, maxEntries: maxEntriesOf(options) };
  return typeof options.redis === 'string'
    ? RedisFleetStore.connect(options.redis, settings)
    : new RedisFleetStore(options.redis, settings);
}

/**
 * The client-side limiter, counting in the shared store, or (with the registration's own store) in
 * the application's one log, so that two registrations of one key share one limit.
 */
function createLimiter(
  options: ResolvedOpenCxOptions,
  store: OpenCxFleetStore,
  shared: OpenCxSharedState,
  name: string,
  planner: CallPlanner,
): ClientRateLimiter | null {
  const { rateLimit } = options;
  if (!rateLimit) return null;
  shared.register(planner.ownLimiterKey, { name, perMinute: rateLimit.perMinute, window: rateLimit.window });
  const settings = { ...rateLimit, maxPause: options.maxRetryAfter };
  return new ClientRateLimiter(settings, sharesStore(options) ? store : shared.limiterStore);
}

const factories: Provider[] = [
  {
    provide: OPENCX_LOGGER,
    useFactory: (name: string) => new Logger(name === DEFAULT_OPENCX_NAME ? 'OpenCx' : `OpenCx:${name}`),
    inject: [OPENCX_INSTANCE_NAME],
  },
  {
    // A bad configuration stops start-up here, naming each option.
    provide: OPENCX_OPTIONS,
    useFactory: (raw: OpenCxModuleOptions, logger: Logger) =>
      resolveOpenCxOptions(raw, (message) => logger.debug(message)),
    inject: [OPENCX_MODULE_OPTIONS, OPENCX_LOGGER],
  },
  { provide: OPENCX_HTTP_CLIENT, useFactory: createHttpClient },
  { provide: OPENCX_FLEET_STORE, useFactory: createStore, inject: [OPENCX_OPTIONS] },
  {
    // `@opentelemetry/api` is loaded only when installed and `telemetry` is on.
    provide: OPENCX_TELEMETRY,
    useFactory: (options: ResolvedOpenCxOptions, name: string): Telemetry | Promise<Telemetry> =>
      options.telemetry ? loadTelemetry(name) : NO_TELEMETRY,
    inject: [OPENCX_OPTIONS, OPENCX_INSTANCE_NAME],
  },
  {
    provide: OpenCxLifecycle,
    useFactory: (http: OpenCxHttpClient, store: OpenCxFleetStore) => new OpenCxLifecycle(http, store),
    inject: [OPENCX_HTTP_CLIENT, OPENCX_FLEET_STORE],
  },
  {
    provide: CallPlanner,
    useFactory: (options: ResolvedOpenCxOptions, lifecycle: OpenCxLifecycle) =>
      new CallPlanner(options, lifecycle.shutdown),
    inject: [OPENCX_OPTIONS, OpenCxLifecycle],
  },
  {
    provide: OPENCX_RATE_LIMITER,
    useFactory: createLimiter,
    inject: [OPENCX_OPTIONS, OPENCX_FLEET_STORE, OPENCX_SHARED_STATE, OPENCX_INSTANCE_NAME, CallPlanner],
  },
  {
    provide: OPENCX_TOKEN_CACHE,
    useFactory: (options: ResolvedOpenCxOptions, store: OpenCxFleetStore, logger: Logger) =>
      options.cache ? new TokenCache(options.cache, store, logger, { local: !sharesStore(options) }) : null,
    inject: [OPENCX_OPTIONS, OPENCX_FLEET_STORE, OPENCX_LOGGER],
  },
  {
    provide: Transport,
    useFactory: (options: ResolvedOpenCxOptions, client: OpenCxHttpClient) =>
      new Transport(client.http, options.baseUrl, options.maxResponseBytes),
    inject: [OPENCX_OPTIONS, OPENCX_HTTP_CLIENT],
  },
  {
    provide: HealthMonitor,
    useFactory: ({ rateLimit, healthCheckInterval }: ResolvedOpenCxOptions) =>
      new HealthMonitor(
        healthCheckInterval,
        rateLimit ? (rateLimit.window * PROBE_SHARE) / Math.max(1, rateLimit.perMinute) : 0,
      ),
    inject: [OPENCX_OPTIONS],
  },
  {
    provide: AttemptReporter,
    useFactory: (
      options: ResolvedOpenCxOptions,
      name: string,
      monitor: HealthMonitor,
      telemetry: Telemetry,
      logger: Logger,
    ) =>
      new AttemptReporter(
        {
          name,
          apiKey: options.apiKey,
          rateLimited: options.rateLimit !== false,
          refusalLogInterval: options.rateLimit ? options.rateLimit.window : 60_000,
          onAttempt: options.onAttempt,
        },
        monitor,
        telemetry,
        logger,
      ),
    inject: [OPENCX_OPTIONS, OPENCX_INSTANCE_NAME, HealthMonitor, OPENCX_TELEMETRY, OPENCX_LOGGER],
  },
  {
    provide: AttemptRunner,
    useFactory: (limiter: ClientRateLimiter | null, transport: Transport, reporter: AttemptReporter) =>
      new AttemptRunner(limiter, transport, reporter),
    inject: [OPENCX_RATE_LIMITER, Transport, AttemptReporter],
  },
  {
    provide: CachedCall,
    useFactory: (cache: TokenCache | null, runner: AttemptRunner) => new CachedCall(cache, runner),
    inject: [OPENCX_TOKEN_CACHE, AttemptRunner],
  },
  {
    provide: OpenCxHealthCheck,
    useFactory: (
      options: ResolvedOpenCxOptions,
      planner: CallPlanner,
      monitor: HealthMonitor,
      limiter: ClientRateLimiter | null,
      transport: Transport,
      reporter: AttemptReporter,
      store: OpenCxFleetStore,
      lifecycle: OpenCxLifecycle,
    ) =>
      new OpenCxHealthCheck(
        {
          apiKey: options.apiKey,
          limiterKey: planner.ownLimiterKey,
          timeout: options.timeout,
          sharedStore: sharesStore(options),
        },
        monitor,
        limiter,
        transport,
        reporter,
        store,
        lifecycle.shutdown,
      ),
    inject: [
      OPENCX_OPTIONS,
      CallPlanner,
      HealthMonitor,
      OPENCX_RATE_LIMITER,
      Transport,
      AttemptReporter,
      OPENCX_FLEET_STORE,
      OpenCxLifecycle,
    ],
  },
];

/**
 * What one registration provides: its parts, and the service under its token. Only the unnamed
 * registration provides the class token too, so that `app.get(ContactAuthService)` finds the
 * unnamed one, never another organisation's.
 */
export function registrationProviders(name: string, token: string): Provider[] {
  if (name !== DEFAULT_OPENCX_NAME) return [...factories, { provide: token, useClass: ContactAuthService }];
  return [...factories, ContactAuthService, { provide: token, useExisting: ContactAuthService }];
}
