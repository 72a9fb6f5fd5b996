import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { SingleFlight } from './cache/single-flight.js';
import { payloadKey, type TokenCache } from './cache/token-cache.js';
import type { AuthenticateUserResponseDto } from './dto/authenticate-user-response.dto.js';
import type { AuthenticateUserDto } from './dto/authenticate-user.dto.js';
import { validatedBody } from './dto/validate-authenticate-user.js';
import {
  OpenCxAbortError,
  OpenCxConfigurationError,
  OpenCxRateLimitError,
  createOpenCxApiError,
} from './errors/opencx.errors.js';
import { HealthMonitor, type OpenCxHealth } from './health/opencx-health.js';
import { notifyAttempt, outcomeOf, type OpenCxAttemptEvent } from './http/attempt-event.js';
import { parseAuthenticateUserResponse, parseErrorBody } from './http/response-body.js';
import { parseRetryAfter, retryDelay, type RetryPolicy } from './http/retry-policy.js';
import { postJson, type AttemptTarget, type Transport } from './http/transport.js';
import {
  AUTHENTICATE_USER_PATH,
  OPENCX_DISPATCHER,
  OPENCX_FLEET_LOCK,
  OPENCX_HTTP_SERVICE,
  OPENCX_INSTANCE_NAME,
  OPENCX_RATE_LIMITER,
  OPENCX_RESOLVED_OPTIONS,
  OPENCX_TOKEN_CACHE,
} from './opencx.constants.js';
import { DEFAULT_OPENCX_NAME } from './opencx.tokens.js';
import { resolveOpenCxOptions, withoutUndefined, type ResolvedOpenCxOptions } from './opencx.options.js';
import type { ClientRateLimiter } from './rate-limit/client-rate-limiter.js';
import type { FleetLock } from './redis/fleet-lock.js';
import { secretsOf } from './redact.js';

/** Per-call options of {@link ContactAuthService.authenticateUser}; each overrides the module's. */
export interface OpenCxRequestOptions {
  /** Aborts the call: no further attempt is made for it. */
  signal?: AbortSignal;
  /** Milliseconds per attempt. */
  timeout?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** Another organisation's API key, for multi-tenant backends. */
  apiKey?: string;
  /**
   * `'use'` (default) answers from the token cache when it can; `'refresh'` always asks OpenCX and
   * stores the new token; `'bypass'` neither reads nor writes the cache.
   */
  cache?: 'use' | 'refresh' | 'bypass';
}

type CallSettings = RetryPolicy & { apiKey: string; timeout: number };

/** One attempt's result: an answer's status (when one arrived) and either the parsed body or the failure. */
type Exchange =
  | { status: number; result: AuthenticateUserResponseDto; failure?: undefined }
  | { status: number | undefined; result?: undefined; failure: unknown };

/**
 * The health probe's body. It lacks the required `email`, so OpenCX refuses it after checking the
 * key (Nest runs guards before validation): no contact is created, and 400 means "key accepted".
 */
const PROBE_BODY = '{}';

const CACHE_MODES = new Set(['use', 'refresh', 'bypass']);
const FLEET_POLL_MS = 50;

/** Calls OpenCX's `POST /widget/authenticate-user` with validation, caching, rate limiting, retries and typed errors. */
@Injectable()
export class ContactAuthService {
  private readonly logger: Logger;
  private readonly target: AttemptTarget;
  private readonly transport: Transport;
  private readonly flights = new SingleFlight<AuthenticateUserResponseDto>();
  private readonly health: HealthMonitor;
  /** The rate limiter's key for the module's own API key, hashed once. */
  private readonly ownLimiterKey: string;

  constructor(
    @Inject(OPENCX_RESOLVED_OPTIONS) private readonly options: ResolvedOpenCxOptions,
    @Inject(OPENCX_HTTP_SERVICE) http: HttpService,
    @Inject(OPENCX_DISPATCHER) dispatcher: Dispatcher,
    // Always provided by OpenCxModule; null when the feature is turned off.
    @Inject(OPENCX_TOKEN_CACHE) private readonly cache: TokenCache | null,
    @Inject(OPENCX_RATE_LIMITER) private readonly limiter: ClientRateLimiter | null,
    @Inject(OPENCX_FLEET_LOCK) private readonly fleetLock: FleetLock | null,
    @Inject(OPENCX_INSTANCE_NAME) private readonly name: string,
  ) {
    const url = new URL(`${options.baseUrl}${AUTHENTICATE_USER_PATH}`);
    this.target = { url: url.href, origin: url.origin, path: `${url.pathname}${url.search}` };
    this.transport = { http, dispatcher };
    this.logger = new Logger(name === DEFAULT_OPENCX_NAME ? 'OpenCx' : `OpenCx:${name}`);
    this.health = new HealthMonitor(options.healthCheckInterval);
    this.ownLimiterKey = limiterKeyOf(options.apiKey);
  }

  /**
   * The `HttpService` (and so the axios instance) this registration sends with. Add your own
   * interceptors to `httpService.axiosRef` for proxy headers, metrics or tracing: once any is
   * present, every request goes through axios so they run.
   */
  get httpService(): HttpService {
    return this.transport.http;
  }

  /**
   * Whether OpenCX is reachable and accepts this registration's API key. Answers from the last
   * exchange made with that key (a real call or an earlier probe) while it is younger than
   * `healthCheckInterval`; otherwise sends one probe that creates no contact (a request without
   * `email`, which OpenCX refuses after checking the key). Concurrent checks share that probe,
   * and a probe is skipped while the client-side rate limit has no free slot. Never throws.
   */
  checkHealth(): Promise<OpenCxHealth> {
    return this.health.check(() => this.probe());
  }

  /**
   * Authenticates a user your backend has already verified, and returns the contact token that the
   * OpenCX chat widget takes as `user.token`. Concurrent identical calls share one upstream request;
   * a cached token is returned while it is valid (see the `cache` option).
   *
   * @param input the user's details; validated against {@link AuthenticateUserDto} before any call.
   * @throws OpenCxValidationError when the input breaks a rule (nothing is sent).
   * @throws OpenCxApiError (a subclass per status) when OpenCX refuses, after any retries.
   * @throws OpenCxRateLimitError when the client-side limit leaves no slot within `rateLimit.maxWait`.
   * @throws OpenCxTimeoutError, OpenCxConnectionError, OpenCxInvalidResponseError, OpenCxAbortError.
   */
  async authenticateUser(
    input: AuthenticateUserDto | Record<string, unknown>,
    options: OpenCxRequestOptions = {},
  ): Promise<AuthenticateUserResponseDto> {
    // Canonical (sorted) JSON is both the wire body and the key's input, so it is built once.
    const { dto, body } = validatedBody(input);
    const call = this.callSettings(options);
    const mode = options.cache ?? 'use';
    if (!CACHE_MODES.has(mode))
      throw new OpenCxConfigurationError(["per-call cache must be 'use', 'refresh' or 'bypass'"]);
    if (options.signal?.aborted) throw new OpenCxAbortError();
    const cache = mode === 'bypass' ? undefined : (this.cache ?? undefined);
    // Hashed only for the cache, which may live in Redis; single-flight's in-memory map, which
    // lives no longer than the request holding the same body, is keyed by the body itself.
    const key = cache ? payloadKey(call.apiKey, body) : '';
    if (cache && mode === 'use') {
      const hit = await cache.get(key);
      if (hit) return hit;
    }
    return this.flights.run(
      cache ? `${mode}:${key}` : `${mode}:${call.apiKey}\u0000${body}`,
      (signal) => this.fetchAndStore(key, dto, body, call, cache, mode, signal),
      options.signal,
    );
  }

  /** One upstream exchange for a payload, coordinated with the fleet when Redis is configured. */
  private fetchAndStore(
    key: string,
    dto: AuthenticateUserDto,
    body: string,
    call: CallSettings,
    cache: TokenCache | undefined,
    mode: string,
    signal?: AbortSignal,
  ): Promise<AuthenticateUserResponseDto> {
    // Without a cache there is nothing to store or coordinate: no extra async step on the hot path.
    if (!cache) return this.callUpstream(dto, body, call, signal);
    return this.fetchAndStoreCached(key, dto, body, call, cache, mode, signal);
  }

  private async fetchAndStoreCached(
    key: string,
    dto: AuthenticateUserDto,
    body: string,
    call: CallSettings,
    cache: TokenCache,
    mode: string,
    signal?: AbortSignal,
  ): Promise<AuthenticateUserResponseDto> {
    const lock = mode === 'use' ? this.fleetLock : undefined;
    const lockTtl = Math.min(60_000, call.timeout * (call.maxRetries + 1) + 5_000);
    const locked = lock ? await lock.acquire(key, lockTtl) : false;
    if (lock && !locked) {
      const answered = await this.waitForFleet(lock, cache, key, lockTtl, signal);
      if (answered) return answered;
    }
    try {
      const result = await this.callUpstream(dto, body, call, signal);
      await cache.set(key, result);
      return result;
    } finally {
      if (locked) await lock!.release(key);
    }
  }

  /** Another instance holds the lock: wait for its answer in the shared cache while it does. */
  private async waitForFleet(
    lock: FleetLock,
    cache: TokenCache,
    key: string,
    ttl: number,
    signal?: AbortSignal,
  ): Promise<AuthenticateUserResponseDto | undefined> {
    const until = Date.now() + ttl;
    while (Date.now() < until) {
      try {
        await sleep(FLEET_POLL_MS, undefined, { signal });
      } catch {
        throw new OpenCxAbortError();
      }
      const hit = await cache.get(key);
      if (hit) return hit;
      if (!(await lock.isHeld(key))) return cache.get(key);
    }
    return undefined;
  }

  /** The attempts of one call: rate limit, send, classify, retry. */
  private async callUpstream(
    dto: AuthenticateUserDto,
    body: string,
    call: CallSettings,
    signal?: AbortSignal,
  ): Promise<AuthenticateUserResponseDto> {
    const ownKey = call.apiKey === this.options.apiKey;
    const limiterKey = !this.limiter ? '' : ownKey ? this.ownLimiterKey : limiterKeyOf(call.apiKey);
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new OpenCxAbortError();
      await this.limiter?.acquire(limiterKey, signal);
      const started = this.options.onAttempt ? performance.now() : 0;
      const { status, result, failure } = await this.exchange(body, call, signal, dto);
      const aborted = failure instanceof OpenCxAbortError;
      // Only the registration's own key says anything about its health; an abort says nothing.
      if (ownKey && !aborted) this.health.observe(status, failure);
      const delay = result || aborted ? undefined : retryDelay(failure, attempt, call);
      if (this.options.onAttempt) {
        this.emitAttempt('authenticate-user', attempt, started, status, failure, delay);
      }
      if (result) return result;
      if (failure instanceof OpenCxRateLimitError && failure.retryAfter !== undefined) {
        // OpenCX's limit is per organisation: pause every caller of this key, not just this one.
        await this.limiter?.pause(limiterKey, failure.retryAfter);
      }
      if (delay === undefined) throw failure;
      this.logger.debug(
        `authenticate-user attempt ${attempt + 1} failed (${describe(failure)}); retrying in ${delay} ms`,
      );
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        throw new OpenCxAbortError();
      }
    }
  }

  /** One attempt, never throwing: the caller decides what a failure means. */
  private async exchange(
    body: string,
    call: CallSettings,
    signal: AbortSignal | undefined,
    dto: AuthenticateUserDto | undefined,
  ): Promise<Exchange> {
    let response;
    try {
      response = await postJson(this.transport, {
        target: this.target,
        apiKey: call.apiKey,
        body,
        timeout: call.timeout,
        maxResponseBytes: this.options.maxResponseBytes,
        signal,
      });
    } catch (error) {
      return { status: undefined, failure: error };
    }
    const { status } = response;
    if (status >= 200 && status < 300) {
      try {
        return { status, result: parseAuthenticateUserResponse(status, response.body) };
      } catch (error) {
        return { status, failure: error };
      }
    }
    const failure = createOpenCxApiError({
      status,
      // Only failures pay for scrubbing: the success path never prints anything.
      body: parseErrorBody(response.body, dto ? secretsOf(call.apiKey, dto) : [call.apiKey]),
      retryAfter: parseRetryAfter(response.headers),
    });
    return { status, failure };
  }

  /** The health check's one request: the module's key, no retry, and a free limiter slot if possible. */
  private async probe(): Promise<void> {
    const hasSlot = !this.limiter || (await this.limiter.tryAcquire(this.ownLimiterKey).catch(() => true));
    // No slot means this key was just used (or paused by a 429): that exchange is the answer.
    if (!hasSlot && this.health.last()) return;
    const started = this.options.onAttempt ? performance.now() : 0;
    const { status, failure } = await this.exchange(PROBE_BODY, this.options, undefined, undefined);
    this.health.observe(status, failure, 'probe');
    if (this.options.onAttempt) this.emitAttempt('health-check', 0, started, status, failure, undefined);
  }

  private emitAttempt(
    operation: OpenCxAttemptEvent['operation'],
    attempt: number,
    started: number,
    status: number | undefined,
    failure: unknown,
    delay: number | undefined,
  ): void {
    const event: OpenCxAttemptEvent = {
      name: this.name,
      operation,
      attempt: attempt + 1,
      outcome: outcomeOf(status, failure),
      durationMs: performance.now() - started,
      willRetry: delay !== undefined,
    };
    if (status !== undefined) event.status = status;
    if (failure instanceof Error) event.error = failure.name;
    if (delay !== undefined) event.retryDelayMs = delay;
    notifyAttempt(this.options.onAttempt!, event, this.logger);
  }

  private callSettings(options: OpenCxRequestOptions): CallSettings {
    const overrides = { apiKey: options.apiKey, timeout: options.timeout, maxRetries: options.maxRetries };
    if (overrides.apiKey === undefined && overrides.timeout === undefined && overrides.maxRetries === undefined) {
      return this.options;
    }
    try {
      return resolveOpenCxOptions({ ...this.options, ...withoutUndefined(overrides) });
    } catch (error) {
      if (error instanceof OpenCxConfigurationError) {
        throw new OpenCxConfigurationError(error.problems.map((p) => `per-call ${p}`));
      }
      throw error;
    }
  }
}

function limiterKeyOf(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('base64url');
}

function describe(error: unknown): string {
  if (error instanceof Error) return 'status' in error ? `${error.name} ${String(error.status)}` : error.name;
  return 'unknown error';
}
