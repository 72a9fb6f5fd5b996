import type { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import { CachedCall } from './cache/cached-call.js';
import { AttemptRunner } from './call/attempt-runner.js';
import { CallPlanner } from './call/call-planner.js';
import type { Call } from './call/call.js';
import { authenticateUserRequest } from './contact-auth.requests.js';
import {
  deleteContactRequest,
  listContactsRequest,
  updateContactRequest,
  type ContactRequest,
} from './contacts/contact-requests.js';
import { callersCursorRefused, contactsOf, type ContactPageFetch } from './contacts/contact-listing.js';
import type { AuthenticateUserResponseDto } from './dto/authenticate-user-response.dto.js';
import type {
  OpenCxContact,
  OpenCxContactFilter,
  OpenCxContactPage,
  OpenCxContactPageQuery,
  OpenCxDeleteResult,
} from './dto/opencx-contact.js';
import type { UpdateContactDto } from './dto/update-contact.dto.js';
import { OpenCxApiError, OpenCxConfigurationError, OpenCxError, OpenCxStoreError } from './errors/opencx.errors.js';
import { errorName, typed } from './errors/typed-error.js';
import { OpenCxHealthCheck } from './health/health-check.js';
import type { OpenCxHealth } from './health/health-monitor.js';
import type { OpenCxHttpClient } from './http/http-client.js';
import type { AuthenticateUserInput } from './interfaces/authenticate-user-input.interface.js';
import { contactQueryOf } from './input/validate-contacts.js';
import type { OpenCxContactCallOptions, OpenCxRequestOptions } from './interfaces/request-options.interface.js';
import { OPENCX_HTTP_CLIENT, OPENCX_TELEMETRY } from './opencx.constants.js';
import { apiKeyProblem, readCallOptions } from './opencx-options.rules.js';
import type { CallTrace, Telemetry } from './telemetry/telemetry.js';

/**
 * Calls OpenCX's contact API for the backend that has verified its users. Each call takes the same
 * path, each step its own unit: plan the call (`CallPlanner`), check the input and describe the
 * request (`contact-auth.requests.ts`, `contacts/contact-requests.ts`), answer from the cache or
 * share an identical call in flight (`CachedCall`), then send it: a rate-limit slot, timeouts and
 * retries (`AttemptRunner`). Inject it in the unnamed registration's scope, or with
 * `@InjectContactAuth(name)`.
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
   * Changes a contact's profile at OpenCX (`PATCH /contacts/{contact_id}`, the fields set in
   * `changes`), sent like `authenticateUser` (a PATCH is retried, assuming the same fields twice
   * leave the same contact). Then the contact's cached tokens are evicted across the fleet, as the profile
   * they were minted for has changed: by its id (under its old email) and any entry of a new `email`.
   *
   * @param contactId the `contact.id` that `authenticateUser` returned: a UUID.
   * @param changes `email`, `phone`, `name`, `custom_data` (OpenCX's names), validated against {@link UpdateContactDto}.
   * @param options per-call `apiKey`, `signal`, `timeout`, `totalTimeout`, `maxRetries`.
   * @throws OpenCxValidationError for a contactId that is not a UUID or changes that break a rule (nothing is sent).
   * @throws OpenCxApiError when OpenCX refuses, `upstreamStatus` saying why; the others as `authenticateUser`.
   * @throws OpenCxStoreError when the contact's tokens could not be evicted from a shared store.
   */
  updateContact(contactId: string, changes: UpdateContactDto, options: OpenCxContactCallOptions = {}): Promise<void> {
    return this.telemetry.call('update-contact', (trace) => this.update(contactId, changes, options, trace));
  }

  private async update(contactId: unknown, changes: unknown, perCall: unknown, trace: CallTrace): Promise<void> {
    try {
      const call = this.planner.plan('update-contact', readCallOptions(perCall, this.planner.apiKey), trace);
      const request = updateContactRequest(contactId, changes);
      try {
        await this.runner.run(call, request);
      } catch (error) {
        // OpenCX may have made the change (a time-out, a lost connection): the tokens go all the same.
        await this.forget(call, request, 'updateContact').catch(() => undefined);
        throw error;
      }
      await this.forget(call, request, 'updateContact', request.email);
    } catch (error) {
      throw typed('updateContact', error);
    }
  }

  /**
   * Every contact OpenCX lists (`GET /contacts`) within `filter`, a page fetched as you iterate (following
   * `next`); each page is one {@link listContactsPage} call with its own rate-limit slot and retries.
   * `totalTimeout` bounds each step, from asking for the next contact to getting it (or the end), however
   * many pages that takes: an upstream that answers empty pages for ever ends it with OpenCxTimeoutError.
   * The `signal` ends it (`AbortSignal.timeout(ms)` bounds the whole): the page in flight and the
   * contacts not yet taken reject with OpenCxAbortError. Leaving a `for await` sends nothing more. A
   * malformed page, or a `next` back to an earlier cursor, is OpenCxInvalidResponseError before its contacts.
   *
   * @param filter `createdAfter`, `createdBefore`, `updatedAfter`, `updatedBefore`: each a `Date` or an ISO 8601 string.
   * @param options per-call `apiKey`, `signal`, `timeout`, `totalTimeout` (per contact), `maxRetries`.
   * @throws OpenCxValidationError for a filter that breaks a rule (nothing is sent); the others as `authenticateUser`.
   */
  async *listContacts(
    filter?: OpenCxContactFilter,
    options: OpenCxContactCallOptions = {},
  ): AsyncGenerator<OpenCxContact, void, undefined> {
    let bounds: OpenCxContactFilter;
    let perCall: OpenCxContactCallOptions;
    try {
      // Read once: each page is asked for with the same filter and options.
      bounds = contactQueryOf(filter, false);
      perCall = readCallOptions(options, this.planner.apiKey);
    } catch (error) {
      throw typed('listContacts', error);
    }
    const fetch: ContactPageFetch = (cursor, totalTimeout) =>
      this.telemetry.call('list-contacts', (trace) =>
        this.page({ ...bounds, cursor }, { ...perCall, totalTimeout }, trace, false),
      );
    yield* contactsOf(fetch, perCall.totalTimeout ?? this.planner.totalTimeout, perCall.signal);
  }

  /**
   * One page of OpenCX's contacts (`GET /contacts`), for an API of your own that pages with a
   * cursor: pass its `next` as `cursor`, with the same filter, for the page after it. One call, sent
   * like `authenticateUser`; a malformed page is an OpenCxInvalidResponseError, never half-read.
   *
   * @param query the filter of {@link listContacts}, and `cursor` (a previous page's `next`).
   * @param options per-call `apiKey`, `signal`, `timeout`, `totalTimeout`, `maxRetries`.
   * @throws OpenCxValidationError for a query that breaks a rule (nothing is sent), or naming `cursor`
   *   when OpenCX refuses the cursor (400: not one it gave, or given for another filter).
   * @throws the others as `authenticateUser`.
   */
  listContactsPage(
    query: OpenCxContactPageQuery = {},
    options: OpenCxContactCallOptions = {},
  ): Promise<OpenCxContactPage> {
    return this.telemetry.call('list-contacts', (trace) => this.page(query, options, trace, true));
  }

  /** One page; `callersCursor`: a 400 is the caller's cursor refused, not OpenCX failing. */
  private async page(
    query: unknown,
    perCall: unknown,
    trace: CallTrace,
    callersCursor: boolean,
  ): Promise<OpenCxContactPage> {
    let cursorSent = false;
    try {
      const call = this.planner.plan('list-contacts', readCallOptions(perCall, this.planner.apiKey), trace);
      const request = listContactsRequest(query);
      cursorSent = callersCursor && request.cursor !== undefined;
      return await this.runner.run(call, request);
    } catch (error) {
      throw typed('listContactsPage', cursorSent ? callersCursorRefused(error) : error);
    }
  }

  /**
   * Deletes a contact at OpenCX (`DELETE /contacts/{contact_id}`, "Delete a contact"; OpenCX then
   * refuses its tokens) and evicts its cached tokens across the fleet, also when it fails in a way
   * OpenCX may have acted on. Sent like `authenticateUser`;
   * safe to repeat. OpenCX documents nothing more: not whether conversations go (its earlier product
   * kept them), nor a 404; the key likely needs the contacts write scope. Not a complete erasure.
   *
   * @param contactId the `contact.id` that `authenticateUser` returned: a UUID.
   * @param options per-call `apiKey`, `signal`, `timeout`, `totalTimeout`, `maxRetries`.
   * @returns `{ deleted: true }`, or `{ deleted: false }` when OpenCX answered 404 (taken to mean it
   *   does not know the contact: an assumption), so a mistyped id can be told from a deletion. After a
   *   retry of an unanswered attempt, false may also mean that attempt deleted it.
   * @throws OpenCxValidationError for a contactId that is not a UUID (nothing is sent); OpenCxApiError and the others as `authenticateUser`.
   */
  deleteContact(contactId: string, options: OpenCxContactCallOptions = {}): Promise<OpenCxDeleteResult> {
    return this.telemetry.call('delete-contact', (trace) => this.erase(contactId, options, trace));
  }

  private async erase(contactId: unknown, perCall: unknown, trace: CallTrace): Promise<OpenCxDeleteResult> {
    try {
      const call = this.planner.plan('delete-contact', readCallOptions(perCall, this.planner.apiKey), trace);
      const request = deleteContactRequest(contactId);
      let deleted = true;
      try {
        await this.runner.run(call, request);
      } catch (error) {
        if (!(error instanceof OpenCxApiError && error.upstreamStatus === 404)) {
          // As for updateContact: OpenCX may have deleted it (a time-out, a lost connection).
          await this.forget(call, request, 'deleteContact').catch(() => undefined);
          throw error;
        }
        deleted = false;
      }
      await this.forget(call, request, 'deleteContact');
      return { deleted };
    } catch (error) {
      throw typed('deleteContact', error);
    }
  }

  /**
   * Evicts the contact's cached tokens within the call's deadline: by its id, and by `email`'s entry
   * when given. A store that fails is an OpenCxStoreError: the fleet may still hold them.
   */
  private async forget(call: Call, { contactId }: ContactRequest, operation: string, email?: string): Promise<void> {
    const { apiKey } = call;
    try {
      await call.deadline.race(
        Promise.all([
          this.tokens.evictContactId(apiKey, contactId),
          email === undefined ? undefined : this.tokens.evict(apiKey, email),
        ]),
      );
    } catch (error) {
      if (error instanceof OpenCxError) throw error;
      throw new OpenCxStoreError(`${operation} could not evict the contact's tokens (${errorName(error)})`);
    }
  }

  /**
   * Whether OpenCX is reachable, and what is known of the API key (accepted only after a real 2xx,
   * refused after 401/403, else unverified). Answers from the last exchange made with the
   * registration's key while younger than `healthCheckInterval`; otherwise sends one probe that
   * creates no contact, shared by concurrent checks and never more than a small share of the rate
   * limit. Down only when OpenCX is unreachable or refuses the key: rate limiting (an upstream 429
   * pause, OpenCX shedding load with a 503 and `Retry-After`, no free slot for a probe, calls the
   * client-side limit holds back) stays up with `rateLimited: true` (and `pausedUntil`); while a
   * shared store has failed over to memory, or does not answer within `timeout`, says
   * `fleet: 'degraded'`. Only the authenticate-user endpoint's answers are evidence: a contacts
   * call's 403 never changes health. Never throws.
   */
  checkHealth(): Promise<OpenCxHealth> {
    return this.health.check();
  }
}
