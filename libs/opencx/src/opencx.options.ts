import type { OpenCxAttemptListener } from './call/attempt-event.js';
import type { OpenCxRedisClient } from './redis/redis-client.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';

// The options' types and defaults. Their rules, and how options are read, checked and completed,
// are in opencx-options.rules.ts.

/** `cache` option: reuse a contact's token while its profile is unchanged. */
export interface OpenCxCacheOptions {
  /** Longest a token is reused, in ms (never past its `exp` claim minus `skew`). Default 300000 (5 min). */
  ttl?: number;
  /** Safety margin before the token's `exp` claim, in ms. Default 30000. */
  skew?: number;
  /**
   * Contacts kept by the in-memory cache (least recently used go first; expired ones go first of
   * all). Default 100000: entries are made at most at the rate limit (100 a minute), so this holds
   * about 17 hours of distinct users at full quota, in about 120 MB when full (about 1.2 KB each).
   */
  maxEntries?: number;
}

/** `rateLimit` option: the client-side limit on upstream calls. */
export interface OpenCxRateLimitOptions {
  /** Upstream calls per minute per API key, across the fleet when `redis` is set. Default 100 (OpenCX's documented limit). */
  perMinute?: number;
  /** Longest a call waits for a slot, in ms, before failing with OpenCxClientRateLimitError. Default 10000. */
  maxWait?: number;
  /** Calls that may wait per key in this instance at once; more fail at once. Default 1000. */
  maxQueue?: number;
  /**
   * Instances sharing the API key. While Redis is unreachable (or without `redis`), each instance
   * allows itself `perMinute / instances`, so the fleet stays under the quota. Default 1.
   */
  instances?: number;
  /** Length of the upstream's window in ms: 60000 for "per minute"; shorter only in tests. Default 60000. */
  window?: number;
  /**
   * A name shared by the registrations (and API keys) of one organisation that share OpenCX's
   * limit: they are then counted together, in this process and across the fleet. OpenCX documents
   * the limit without saying whether it is per key or per organisation. Default: none (each API
   * key its own limit).
   */
  group?: string;
}

/** Options of {@link OpenCxModule}. Every option but `apiKey` has a default. */
export interface OpenCxModuleOptions {
  /** The organisation's OpenCX API key, sent as `Authorization: Bearer <apiKey>`. Required. */
  apiKey: string;
  /** Base URL of the OpenCX API. Default `https://api.open.cx`. */
  baseUrl?: string;
  /** Milliseconds one attempt may take, connection to last byte. Default 10000. */
  timeout?: number;
  /**
   * Milliseconds the whole call may take: waits for a rate-limit slot, attempts and backoff
   * included. Past it the call fails with OpenCxTimeoutError. Default 30000.
   */
  totalTimeout?: number;
  /** Retries after the first attempt for connection errors, timeouts, 408, 429 and 5xx. Default 2. */
  maxRetries?: number;
  /**
   * Whether `authenticateUser`'s POST is sent again after an attempt OpenCX may have processed (it
   * timed out, or the connection was lost after sending). Safe only if OpenCX treats the call as
   * an upsert keyed by the email, which is assumed, not documented. `false` fails such a call
   * instead; what OpenCX never saw (a refused connection) is still retried. Default true.
   */
  retryPostAfterTimeout?: boolean;
  /** Base of the exponential backoff in milliseconds (full jitter). Default 500. */
  retryDelay?: number;
  /** Upper bound of one backoff delay in milliseconds. Default 8000. */
  maxRetryDelay?: number;
  /**
   * The longest `Retry-After` (in ms) the client waits out, and the longest an upstream 429 may
   * pause the API key. A longer one fails the call at once and pauses the key for this long only.
   * Default 60000.
   */
  maxRetryAfter?: number;
  /** Largest response body accepted, in bytes; a larger one is cut off and rejected. Default 1048576 (1 MiB). */
  maxResponseBytes?: number;
  /** Token cache settings, or `false` to call OpenCX every time. Default: enabled with the defaults above. */
  cache?: OpenCxCacheOptions | false;
  /** Client-side rate limit, or `false` for none. Default: enabled, 100 per minute per API key. */
  rateLimit?: OpenCxRateLimitOptions | false;
  /**
   * Redis shared by a fleet: a `redis://` or `rediss://` URL (needs the optional peer `redis`), or
   * a connected node-redis client or cluster. The token cache (encrypted), the rate limit and
   * single-flight then span every instance. A Redis outage falls back to per-instance behaviour
   * after one bounded wait. Default: none (everything in memory).
   */
  redis?: string | OpenCxRedisClient;
  /**
   * Where the fleet's shared state lives (see {@link OpenCxFleetStore}): `RedisFleetStore` from
   * `nestjs-opencx/redis`, or your own implementation. Closed with the application. Not together
   * with `redis`. Default: a `MemoryFleetStore` (this process only).
   */
  store?: OpenCxFleetStore;
  /**
   * Longest one Redis operation may take, in ms, before the library uses its in-memory behaviour
   * (and stops asking Redis for a few seconds). Default 1000.
   */
  redisTimeout?: number;
  /**
   * How long, in ms, `checkHealth()` (and `OpenCxHealthIndicator`) reuses what it last learned
   * about OpenCX, from real traffic or a probe, before sending a probe. Default 60000.
   */
  healthCheckInterval?: number;
  /**
   * Called after every upstream attempt with its outcome, duration and retry decision (no
   * personal data), e.g. to feed Prometheus or OpenTelemetry. It runs on the request path: keep
   * it fast. A throwing or rejecting listener is logged and ignored. Default: none.
   */
  onAttempt?: OpenCxAttemptListener;
  /**
   * Spans and metrics through OpenTelemetry when `@opentelemetry/api` is installed (an optional
   * peer; without an SDK registered they cost next to nothing). `false` turns them off. Default true.
   */
  telemetry?: boolean;
}

/** Options with every default applied: what the steps of a call use. */
export interface ResolvedOpenCxOptions {
  apiKey: string;
  baseUrl: string;
  timeout: number;
  totalTimeout: number;
  maxRetries: number;
  retryPostAfterTimeout: boolean;
  retryDelay: number;
  maxRetryDelay: number;
  maxRetryAfter: number;
  maxResponseBytes: number;
  cache: Required<OpenCxCacheOptions> | false;
  rateLimit: (Required<Omit<OpenCxRateLimitOptions, 'group'>> & { group?: string }) | false;
  redis?: string | OpenCxRedisClient;
  store?: OpenCxFleetStore;
  redisTimeout: number;
  healthCheckInterval: number;
  onAttempt?: OpenCxAttemptListener;
  telemetry: boolean;
}

/** The defaults, visible and overridable (per module in the options, some per call). */
export const OPENCX_DEFAULTS = {
  baseUrl: 'https://api.open.cx',
  timeout: 10_000,
  totalTimeout: 30_000,
  maxRetries: 2,
  retryPostAfterTimeout: true,
  retryDelay: 500,
  maxRetryDelay: 8_000,
  maxRetryAfter: 60_000,
  maxResponseBytes: 1_048_576,
  redisTimeout: 1_000,
  healthCheckInterval: 60_000,
  telemetry: true,
  cache: { ttl: 300_000, skew: 30_000, maxEntries: 100_000 },
  rateLimit: { perMinute: 100, maxWait: 10_000, maxQueue: 1_000, instances: 1, window: 60_000 },
} as const;

/**
 * A class that makes the options, for `OpenCxModule.forRootAsync({ useClass })` or
 * `({ useExisting })`.
 */
export interface OpenCxOptionsFactory {
  /** The module's options, as `useFactory` would return them. */
  createOpenCxOptions(): OpenCxModuleOptions | Promise<OpenCxModuleOptions>;
}
