import type { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import { CachedCall } from './cache/cached-call.js';
import { AttemptRunner } from './call/attempt-runner.js';
import { CallPlanner } from './call/call-planner.js';
import { authenticateUserRequest, deleteContactRequest } from './contact-auth.requests.js';
import type { AuthenticateUserResponseDto } from './dto/authenticate-user-response.dto.js';
import { OpenCxApiError, OpenCxConfigurationError, OpenCxError, OpenCxStoreError } from './errors/opencx.errors.js';
import { OpenCxHealthCheck } from './health/health-check.js';
import type { OpenCxHealth } from './health/health-monitor.js';
import type { OpenCxHttpClient } from './http/http-client.js';
import type { AuthenticateUserInput } from './interfaces/authenticate-user-input.interface.js';
import type { OpenCxRequestOptions } from './interfaces/request-options.interface.js';
import { OPENCX_HTTP_CLIENT, OPENCX_TELEMETRY } from './opencx.constants.js';
import { apiKeyProblem, readCallOptions } from './opencx-options.rules.js';
import type { CallTrace, Telemetry } from './telemetry/telemetry.js';

/** An error's class name, the only thing about an unknown error that is safe to print. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * What a public operation rejects with: an OpenCxError as it is; anything else (a store or listener
 * that throws a plain error) becomes one, named by its class only, never its message.
 */
function typed(operation: string, error: unknown): OpenCxError {
  if (error instanceof OpenCxError) return error;
  return new OpenCxError(`${operation} failed unexpectedly (${errorName(error)})`, 500, 'Internal server error');
}

/**
 * Calls OpenCX's contact API for the backend that has verified its users. Each call takes the same
 * path, each step its own unit: plan the call (`CallPlanner`), check the input and describe the
 * request (`contact-auth.requests.ts`), answer from the cache or share an identical call in flight
 * (`CachedCall`), then send it: a rate-limit slot, timeouts and retries (`AttemptRunner`). Inject it
 * in the unnamed registration's scope, or with `@InjectContactAuth(name)`.
 */
@Injectable()
export class ContactAuthService {
  /** Nest builds the service from its registration's parts; in unit tests, use `OpenCxTestingModule`. */
  constructor(
    @Inject(CallPlanner) private readonly planner: CallPlanner,
    @Inject(CachedCall) private readonly tokens: CachedCall,
    @Inject(AttemptRunner) private readonly runner: AttemptRunner,
    @Inject(OpenCxHealthCheck) private readonly health: OpenCxHealthCheck,
    @Inject(OPENCX_TELEMETRY) private readonly telemetry: Telemetry,
    @Inject(OPENCX_HTTP_CLIENT) private readonly client: OpenCxHttpClient,
  ) {}

  /**
   * The `HttpService` (and so the axios instance) this registration sends every request with: the
   * one way to reach the HTTP client. Add your own interceptors to `httpService.axiosRef` for
   * proxy headers, metrics or tracing.
   */
  get httpService(): HttpService {
    return this.client.http;
  }

  /**
   * Authenticates a user your backend has already verified, and returns the contact token that the
   * OpenCX chat widget takes as `user.token`. Concurrent identical calls share one upstream request;
   * a cached token is returned while it is valid and the profile unchanged (see the `cache` option).
   *
   * @param input the user's details; one plain-data copy of it is validated against
   *   {@link AuthenticateUserDto} and sent exactly as validated.
   * @param options per-call overrides; the whole call, waits included, ends by `totalTimeout`.
   * @throws OpenCxValidationError when the input breaks a rule (nothing is sent).
   * @throws OpenCxApiError (OpenCxAuthenticationError, OpenCxRateLimitError) when OpenCX refuses, after any retries.
   * @throws OpenCxClientRateLimitError when the client-side limit leaves no slot within `rateLimit.maxWait`.
   * @throws OpenCxTimeoutError, OpenCxConnectionError, OpenCxInvalidResponseError, OpenCxAbortError.
   */
  authenticateUser(
    input: AuthenticateUserInput,
    options: OpenCxRequestOptions = {},
  ): Promise<AuthenticateUserResponseDto> {
    return this.telemetry.call('authenticate-user', (trace) => this.authenticate(input, options, trace));
  }

  private async authenticate(input: unknown, perCall: unknown, trace: CallTrace): Promise<AuthenticateUserResponseDto> {
    try {
      // One copy of the call's options, read once and checked: a getter cannot pass with one value and be used with another.
      const options = readCallOptions(perCall, this.planner.apiKey);
      const call = this.planner.plan('authenticate-user', options, trace);
      const request = authenticateUserRequest(input, options.extraFields);
      return await this.tokens.run(call, request);
    } catch (error) {
      throw typed('authenticateUser', error);
    }
  }

  /**
   * Forgets every cached token of the contact with this email (for a deleted or signed-out user):
   * in this instance and, with a shared store, across the fleet, by the time the promise resolves;
   * no answer already in flight for the contact is cached or shared after it.
   *
   * @param options `apiKey`: the organisation's key the token was issued under (default: the registration's).
   * @throws OpenCxStoreError when a shared store could not be reached (the fleet may still hold the token).
   */
  async evictContact(email: string, options: Pick<OpenCxRequestOptions, 'apiKey'> = {}): Promise<void> {
    try {
      const apiKey = (options as OpenCxRequestOptions | null)?.apiKey ?? this.planner.apiKey;
      const problem =
        options === null || typeof options !== 'object'
          ? 'options must be an object'
          : typeof email !== 'string' || email === ''
            ? 'email must be a non-empty string'
            : apiKeyProblem(apiKey);
      if (problem) throw new OpenCxConfigurationError([`evictContact: ${problem}`]);
      try {
        await this.tokens.evict(apiKey, email);
      } catch (error) {
        throw new OpenCxStoreError(`evictContact could not reach the fleet store (${errorName(error)})`);
      }
    } catch (error) {
      throw typed('evictContact', error);
    }
  }

  /**
   * Erases a contact at OpenCX (`DELETE /contacts/{contact_id}`), for a user's request to be
   * forgotten: OpenCX then refuses the contact's tokens. Sent like `authenticateUser` (same key,
   * rate limit, retries, time limits and typed errors); a contact OpenCX no longer knows (404) is
   * already erased, so the call is safe to repeat. The contact's cached tokens are evicted too,
   * across the fleet with a shared store.
   *
   * @param contactId the `contact.id` that `authenticateUser` returned.
   * @param options per-call `apiKey`, `signal`, `timeout`, `totalTimeout`, `maxRetries`.
   * @throws OpenCxValidationError for a contactId that is not one; OpenCxApiError and the others as `authenticateUser`.
   */
  deleteContact(
    contactId: string,
    options: Pick<OpenCxRequestOptions, 'apiKey' | 'signal' | 'timeout' | 'totalTimeout' | 'maxRetries'> = {},
  ): Promise<void> {
    return this.telemetry.call('delete-contact', (trace) => this.erase(contactId, options, trace));
  }

  private async erase(contactId: unknown, perCall: unknown, trace: CallTrace): Promise<void> {
    try {
      const call = this.planner.plan('delete-contact', readCallOptions(perCall, this.planner.apiKey), trace);
      const request = deleteContactRequest(contactId);
      try {
        await this.runner.run(call, request);
      } catch (error) {
        // Not found: already erased.
        if (!(error instanceof OpenCxApiError && error.upstreamStatus === 404)) throw error;
      }
      try {
        await call.deadline.race(this.tokens.evictContactId(call.apiKey, contactId as string));
      } catch (error) {
        if (error instanceof OpenCxError) throw error;
        throw new OpenCxStoreError(`deleteContact could not evict the contact's tokens (${errorName(error)})`);
      }
    } catch (error) {
      throw typed('deleteContact', error);
    }
  }

  /**
   * Whether OpenCX is reachable, and what is known of the API key (accepted only after a real 2xx,
   * refused after 401/403, else unverified). Answers from the last exchange made with the
   * registration's key while younger than `healthCheckInterval`; otherwise sends one probe that
   * creates no contact, shared by concurrent checks and never more than a small share of the rate
   * limit. Down only when OpenCX is unreachable or refuses the key: rate limiting (an upstream 429
   * pause, no free slot for a probe) stays up with `rateLimited: true` (and `pausedUntil`); while a
   * shared store has failed over to memory, says `fleet: 'degraded'`. Never throws.
   */
  checkHealth(): Promise<OpenCxHealth> {
    return this.health.check();
  }
}
