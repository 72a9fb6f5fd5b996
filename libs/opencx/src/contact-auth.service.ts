import type { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import { planCall } from './call/call-plan.js';
import type { AuthenticateUserResponseDto } from './dto/authenticate-user-response.dto.js';
import {
  OpenCxApiError,
  OpenCxClientRateLimitError,
  OpenCxConfigurationError,
  OpenCxError,
  OpenCxStoreError,
  OpenCxValidationError,
} from './errors/opencx.errors.js';
import { parseAuthenticateUserResponse } from './http/response-body.js';
import { Scrubber, stringsIn } from './errors/scrub.js';
import type { OpenCxHealth } from './health/health-monitor.js';
import { validateAuthenticateUser, validateExtraFields, wireBody } from './input/validate-input.js';
import type { AuthenticateUserInput } from './interfaces/authenticate-user-input.interface.js';
import type { OpenCxRequestOptions } from './interfaces/request-options.interface.js';
import { AUTHENTICATE_USER_PATH, OPENCX_REGISTRATION } from './opencx.constants.js';
import { limiterKeyOf, type OpenCxRegistration } from './opencx.registration.js';
import { apiKeyProblem } from './opencx.options.js';
import { snapshot } from './input/snapshot.js';
import type { CallTrace } from './telemetry/telemetry.js';
import { monotonicNow } from './util/clock.js';

/**
 * The health probe's body. It lacks the required `email`, so OpenCX refuses it and no contact is
 * created; the answer proves OpenCX reachable, and the key only when OpenCX says 401/403.
 */
const PROBE_BODY = '{}';

/** A contact id as OpenCX issues them (UUIDs): printable, no spaces, bounded. */
const CONTACT_ID = /^[\x21-\x7e]{1,128}$/;

/** An error's class name, the only thing about an unknown error that is safe to print. */
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Runs one public operation so that it rejects only with an OpenCxError: anything else (a store or
 * listener that throws a plain error) becomes one, named by its class only, never its message.
 */
async function typed<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof OpenCxError) throw error;
    throw new OpenCxError(`${operation} failed unexpectedly (${errorName(error)})`, 500, 'Internal server error');
  }
}

/**
 * Calls OpenCX's `POST /widget/authenticate-user`. Each call runs the same steps, each in its own
 * unit: validate the input, answer from the cache or share an identical call in flight, wait for
 * a rate-limit slot, send with timeouts and retries, and turn the answer into a typed result or
 * error. Inject it in the unnamed registration's scope, or with `@InjectContactAuth(name)`.
 */
@Injectable()
export class ContactAuthService {
  /** Nest builds the service from its registration; in unit tests, use `OpenCxTestingModule`. */
  constructor(@Inject(OPENCX_REGISTRATION) private readonly registration: OpenCxRegistration) {}

  /**
   * The `HttpService` (and so the axios instance) this registration sends every request with: the
   * one way to reach the HTTP client. Add your own interceptors to `httpService.axiosRef` for
   * proxy headers, metrics or tracing.
   */
  get httpService(): HttpService {
    return this.registration.http;
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
  async authenticateUser(
    input: AuthenticateUserInput,
    options: OpenCxRequestOptions = {},
  ): Promise<AuthenticateUserResponseDto> {
    return this.registration.telemetry.call('authenticate-user', (trace) =>
      typed('authenticateUser', () =>
        this.authenticate(input, options, trace).catch((error: unknown) => {
          if (error instanceof OpenCxClientRateLimitError) this.registration.refused(error);
          throw error;
        }),
      ),
    );
  }

  private authenticate(input: unknown, options: unknown, trace: CallTrace): Promise<AuthenticateUserResponseDto> {
    const { registration } = this;
    const plan = planCall(registration.options, options, {
      ownLimiterKey: registration.ownLimiterKey,
      limiterKeyOf,
      shutdown: registration.shutdown,
    });
    // One plain-data copy, read once: a getter cannot pass validation with one value and send another.
    const { input: data, extraFields } = snapshot(input, (options as OpenCxRequestOptions).extraFields);
    const dto = validateAuthenticateUser(data);
    const extra = validateExtraFields(extraFields);
    const body = wireBody(dto, extra);
    const { deadline, signal } = plan;
    return registration.cachedCall.run(
      { apiKey: plan.apiKey, email: dto.email, body, mode: plan.mode, signal, deadline, trace },
      (flightSignal) =>
        registration.runner.run({ ...plan, signal: flightSignal, trace }, ({ timeout, signal: attemptSignal }) =>
          registration.transport.send({
            method: 'POST',
            path: AUTHENTICATE_USER_PATH,
            apiKey: plan.apiKey,
            body,
            timeout,
            signal: attemptSignal,
            scrubber: () => new Scrubber(plan.apiKey, stringsIn([dto, extra])),
            parse: parseAuthenticateUserResponse,
          }),
        ),
    );
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
    return typed('evictContact', async () => {
      const apiKey = (options as OpenCxRequestOptions | null)?.apiKey ?? this.registration.options.apiKey;
      const problem =
        options === null || typeof options !== 'object'
          ? 'options must be an object'
          : typeof email !== 'string' || email === ''
            ? 'email must be a non-empty string'
            : apiKeyProblem(apiKey);
      if (problem) throw new OpenCxConfigurationError([`evictContact: ${problem}`]);
      try {
        await this.registration.cachedCall.evict(apiKey, email);
      } catch (error) {
        throw new OpenCxStoreError(`evictContact could not reach the fleet store (${errorName(error)})`);
      }
    });
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
  async deleteContact(
    contactId: string,
    options: Pick<OpenCxRequestOptions, 'apiKey' | 'signal' | 'timeout' | 'totalTimeout' | 'maxRetries'> = {},
  ): Promise<void> {
    return this.registration.telemetry.call('delete-contact', (trace) => this.erase(contactId, options, trace));
  }

  private erase(contactId: unknown, options: unknown, trace: CallTrace): Promise<void> {
    return typed('deleteContact', async () => {
      const { registration } = this;
      const plan = planCall(registration.options, options, {
        ownLimiterKey: registration.ownLimiterKey,
        limiterKeyOf,
        shutdown: registration.shutdown,
      });
      if (typeof contactId !== 'string' || !CONTACT_ID.test(contactId)) {
        throw new OpenCxValidationError([
          { field: 'contactId', messages: ['contactId must be a contact id: 1 to 128 printable characters'] },
        ]);
      }
      await registration.runner
        .run({ ...plan, operation: 'delete-contact', trace }, ({ timeout, signal }) =>
          registration.transport.send({
            method: 'DELETE',
            path: `/contacts/${encodeURIComponent(contactId)}`,
            apiKey: plan.apiKey,
            timeout,
            signal,
            scrubber: () => new Scrubber(plan.apiKey, [contactId]),
            parse: () => true,
          }),
        )
        .catch((error: unknown) => {
          if (error instanceof OpenCxApiError && error.upstreamStatus === 404) return true;
          throw error;
        });
      try {
        await plan.deadline.race(registration.cachedCall.evictContactId(plan.apiKey, contactId));
      } catch (error) {
        if (error instanceof OpenCxError) throw error;
        throw new OpenCxStoreError(`deleteContact could not evict the contact's tokens (${errorName(error)})`);
      }
    });
  }

  /**
   * Whether OpenCX is reachable, and what is known of the API key (accepted only after a real 2xx,
   * refused after 401/403, else unverified). Answers from the last exchange made with the
   * registration's key while younger than `healthCheckInterval`; otherwise sends one probe that
   * creates no contact, shared by concurrent checks and never more than a small share of the rate
   * limit. While an upstream 429 pauses the key, reports down with `pausedUntil`; while a shared
   * store has failed over to memory, says `fleet: 'degraded'`. Never throws.
   */
  async checkHealth(): Promise<OpenCxHealth> {
    const { registration } = this;
    const fleet =
      registration.options.store || registration.options.redis !== undefined
        ? registration.store.degraded === true
          ? 'degraded'
          : 'shared'
        : 'local';
    let verdict: Omit<OpenCxHealth, 'fleet'>;
    try {
      verdict = (await registration.health.check(() => this.probe())) ?? {
        status: 'down',
        reachable: false,
        apiKey: 'unverified',
        reason: 'not checked yet: no free rate-limit slot for a probe',
        source: 'probe',
        checkedAt: new Date().toISOString(),
      };
    } catch (error) {
      verdict = {
        status: 'down',
        reachable: false,
        apiKey: 'unverified',
        reason: `health check failed (${errorName(error)})`,
        source: 'probe',
        checkedAt: new Date().toISOString(),
      };
    }
    const paused = (await registration.limiter?.pausedFor(registration.ownLimiterKey).catch(() => 0)) ?? 0;
    if (paused <= 0) return { ...verdict, fleet };
    const pausedUntil = new Date(Date.now() + paused).toISOString();
    return {
      ...verdict,
      fleet,
      status: 'down',
      reason: `paused after an upstream 429 until ${pausedUntil}`,
      pausedUntil,
    };
  }

  /** The health check's one request: the module's key, no retry, and only with a free limiter slot. */
  private async probe(): Promise<void> {
    const { registration } = this;
    const { limiter, options } = registration;
    if (registration.shutdown.aborted) return;
    const release = await limiter?.tryAcquire(registration.ownLimiterKey, options.timeout).catch(() => undefined);
    if (limiter && !release) return;
    const startedAt = monotonicNow();
    const exchange = await registration.transport.send({
      method: 'POST',
      path: AUTHENTICATE_USER_PATH,
      apiKey: options.apiKey,
      body: PROBE_BODY,
      timeout: options.timeout,
      signal: registration.shutdown,
      scrubber: () => new Scrubber(options.apiKey, []),
      parse: parseAuthenticateUserResponse,
    });
    void release?.(exchange.status === undefined ? 'abandoned' : 'ended');
    registration.report('health-check', { apiKey: options.apiKey, attempt: 0, startedAt, exchange });
  }
}
