import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import { SingleFlight } from './cache/single-flight.js';
import { canonicalJson } from './cache/canonical-json.js';
import { payloadKey, type TokenCache } from './cache/token-cache.js';
import type { AuthenticateUserResponseDto } from './dto/authenticate-user-response.dto.js';
import type { AuthenticateUserDto } from './dto/authenticate-user.dto.js';
import { validateAuthenticateUser } from './dto/validate-authenticate-user.js';
import {
  OpenCxAbortError,
  OpenCxConfigurationError,
  OpenCxRateLimitError,
  createOpenCxApiError,
} from './errors/opencx.errors.js';
import { parseAuthenticateUserResponse, parseErrorBody } from './http/response-body.js';
import { parseRetryAfter, retryDelay, type RetryPolicy } from './http/retry-policy.js';
import { postJson, type AttemptTarget, type Transport } from './http/transport.js';
import {
  AUTHENTICATE_USER_PATH,
  OPENCX_DISPATCHER,
  OPENCX_FLEET_LOCK,
  OPENCX_HTTP_SERVICE,
  OPENCX_RATE_LIMITER,
  OPENCX_RESOLVED_OPTIONS,
  OPENCX_TOKEN_CACHE,
} from './opencx.constants.js';
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

const CACHE_MODES = new Set(['use', 'refresh', 'bypass']);
const FLEET_POLL_MS = 50;

/** Calls OpenCX's `POST /widget/authenticate-user` with validation, caching, rate limiting, retries and typed errors. */
@Injectable()
export class ContactAuthService {
  private readonly logger = new Logger('OpenCx');
  private readonly target: AttemptTarget;
  private readonly transport: Transport;
  private readonly flights = new SingleFlight<AuthenticateUserResponseDto>();

  constructor(
    @Inject(OPENCX_RESOLVED_OPTIONS) private readonly options: ResolvedOpenCxOptions,
    @Inject(OPENCX_HTTP_SERVICE) http: HttpService,
    @Inject(OPENCX_DISPATCHER) dispatcher: Dispatcher,
    // Always provided by OpenCxModule; null when the feature is turned off.
    @Inject(OPENCX_TOKEN_CACHE) private readonly cache: TokenCache | null,
    @Inject(OPENCX_RATE_LIMITER) private readonly limiter: ClientRateLimiter | null,
    @Inject(OPENCX_FLEET_LOCK) private readonly fleetLock: FleetLock | null,
  ) {
    const url = new URL(`${options.baseUrl}${AUTHENTICATE_USER_PATH}`);
    this.target = { url: url.href, origin: url.origin, path: `${url.pathname}${url.search}` };
    this.transport = { http, dispatcher };
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
    const dto = validateAuthenticateUser(input);
    const call = this.callSettings(options);
    const mode = options.cache ?? 'use';
    if (!CACHE_MODES.has(mode))
      throw new OpenCxConfigurationError(["per-call cache must be 'use', 'refresh' or 'bypass'"]);
    if (options.signal?.aborted) throw new OpenCxAbortError();
    const cache = mode === 'bypass' ? undefined : (this.cache ?? undefined);
    // Canonical (sorted) JSON is both the wire body and the key's input, so it is built once.
    const body = canonicalJson(dto);
    const key = payloadKey(call.apiKey, body);
    if (cache && mode === 'use') {
      const hit = await cache.get(key);
      if (hit) return hit;
    }
    return this.flights.run(
      `${mode}:${key}`,
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
    const limiterKey = this.limiter ? createHash('sha256').update(call.apiKey).digest('base64url') : '';
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new OpenCxAbortError();
      await this.limiter?.acquire(limiterKey, signal);
      let failure: unknown;
      try {
        const response = await postJson(this.transport, {
          target: this.target,
          apiKey: call.apiKey,
          body,
          timeout: call.timeout,
          maxResponseBytes: this.options.maxResponseBytes,
          signal,
        });
        if (response.status >= 200 && response.status < 300) {
          return parseAuthenticateUserResponse(response.status, response.body);
        }
        failure = createOpenCxApiError({
          status: response.status,
          // Only failures pay for scrubbing: the success path never prints anything.
          body: parseErrorBody(response.body, secretsOf(call.apiKey, dto)),
          retryAfter: parseRetryAfter(response.headers),
        });
      } catch (error) {
        if (error instanceof OpenCxAbortError) throw error;
        failure = error;
      }
      if (failure instanceof OpenCxRateLimitError && failure.retryAfter !== undefined) {
        // OpenCX's limit is per organisation: pause every caller of this key, not just this one.
        await this.limiter?.pause(limiterKey, failure.retryAfter);
      }
      const delay = retryDelay(failure, attempt, call);
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

function describe(error: unknown): string {
  if (error instanceof Error) return 'status' in error ? `${error.name} ${String(error.status)}` : error.name;
  return 'unknown error';
}
