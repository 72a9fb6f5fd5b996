import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Dispatcher } from 'undici';
import type { AuthenticateUserResponseDto } from './dto/authenticate-user-response.dto.js';
import type { AuthenticateUserDto } from './dto/authenticate-user.dto.js';
import { validateAuthenticateUser } from './dto/validate-authenticate-user.js';
import { OpenCxAbortError, OpenCxConfigurationError, createOpenCxApiError } from './errors/opencx.errors.js';
import { parseAuthenticateUserResponse, parseErrorBody } from './http/response-body.js';
import { parseRetryAfter, retryDelay, type RetryPolicy } from './http/retry-policy.js';
import { postJson, type AttemptTarget, type Transport } from './http/transport.js';
import {
  AUTHENTICATE_USER_PATH,
  OPENCX_DISPATCHER,
  OPENCX_HTTP_SERVICE,
  OPENCX_RESOLVED_OPTIONS,
} from './opencx.constants.js';
import { resolveOpenCxOptions, type ResolvedOpenCxOptions } from './opencx.options.js';
import { secretsOf } from './redact.js';

/** Per-call options of {@link ContactAuthService.authenticateUser}; each overrides the module's. */
export interface OpenCxRequestOptions {
  /** Aborts the call: the attempt in flight is cancelled and no retry follows. */
  signal?: AbortSignal;
  /** Milliseconds per attempt. */
  timeout?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** Another organisation's API key, for multi-tenant backends. */
  apiKey?: string;
}

/** Calls OpenCX's `POST /widget/authenticate-user` with validation, retries and typed errors. */
@Injectable()
export class ContactAuthService {
  private readonly logger = new Logger('OpenCx');
  private readonly target: AttemptTarget;
  private readonly transport: Transport;

  constructor(
    @Inject(OPENCX_RESOLVED_OPTIONS) private readonly options: ResolvedOpenCxOptions,
    @Inject(OPENCX_HTTP_SERVICE) http: HttpService,
    @Inject(OPENCX_DISPATCHER) dispatcher: Dispatcher,
  ) {
    const url = new URL(`${options.baseUrl}${AUTHENTICATE_USER_PATH}`);
    this.target = { url: url.href, origin: url.origin, path: `${url.pathname}${url.search}` };
    this.transport = { http, dispatcher };
  }

  /**
   * Authenticates a user your backend has already verified, and returns the contact token that the
   * OpenCX chat widget takes as `user.token`.
   *
   * @param input the user's details; validated against {@link AuthenticateUserDto} before any call.
   * @throws OpenCxValidationError when the input breaks a rule (nothing is sent).
   * @throws OpenCxApiError (a subclass per status) when OpenCX refuses, after any retries.
   * @throws OpenCxTimeoutError, OpenCxConnectionError, OpenCxInvalidResponseError, OpenCxAbortError.
   */
  async authenticateUser(
    input: AuthenticateUserDto | Record<string, unknown>,
    options: OpenCxRequestOptions = {},
  ): Promise<AuthenticateUserResponseDto> {
    const dto = validateAuthenticateUser(input);
    const call = this.callSettings(options);
    const body = JSON.stringify(dto);

    for (let attempt = 0; ; attempt++) {
      if (options.signal?.aborted) throw new OpenCxAbortError();
      let failure: unknown;
      try {
        const response = await postJson(this.transport, {
          target: this.target,
          apiKey: call.apiKey,
          body,
          timeout: call.timeout,
          maxResponseBytes: this.options.maxResponseBytes,
          signal: options.signal,
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
      const delay = retryDelay(failure, attempt, call);
      if (delay === undefined) throw failure;
      this.logger.debug(
        `authenticate-user attempt ${attempt + 1} failed (${describe(failure)}); retrying in ${delay} ms`,
      );
      try {
        await sleep(delay, undefined, { signal: options.signal });
      } catch {
        throw new OpenCxAbortError();
      }
    }
  }

  private callSettings(options: OpenCxRequestOptions): RetryPolicy & { apiKey: string; timeout: number } {
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

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function describe(error: unknown): string {
  if (error instanceof Error) return 'status' in error ? `${error.name} ${String(error.status)}` : error.name;
  return 'unknown error';
}
