import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import type { ContactAuthService } from '../contact-auth.service.js';
import { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import type { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import type {
  OpenCxContact,
  OpenCxContactFilter,
  OpenCxContactPage,
  OpenCxContactPageQuery,
  OpenCxDeleteResult,
} from '../dto/opencx-contact.js';
import type { UpdateContactDto } from '../dto/update-contact.dto.js';
import {
  contactIdOf,
  contactQueryOf,
  validateUpdateContact,
  type CheckedContactQuery,
} from '../input/validate-contacts.js';
import { validateAuthenticateUser } from '../input/validate-input.js';
import type { AuthenticateUserInput } from '../interfaces/authenticate-user-input.interface.js';
import type { OpenCxContactCallOptions, OpenCxRequestOptions } from '../interfaces/request-options.interface.js';
import { OpenCxAbortError, OpenCxValidationError } from '../errors/opencx.errors.js';
import type { OpenCxHealth } from '../health/health-monitor.js';
import { fakeContactId, signFakeToken } from './fake-token.js';

/** The body of a successful answer. */
export interface OpenCxMockResponse {
  token: string;
  contact?: { id: string };
}

/**
 * What the mock answers one call with: a response, an error to throw (e.g. an `OpenCxApiError`
 * made with `createOpenCxApiError({ status: 401 })`), or a function of the validated input that
 * returns (or resolves to) either.
 */
export type OpenCxMockAnswer =
  | OpenCxMockResponse
  | Error
  | ((
      input: AuthenticateUserDto,
      options: OpenCxRequestOptions,
    ) => OpenCxMockResponse | Error | Promise<OpenCxMockResponse | Error>);

/** Options of {@link ContactAuthServiceMock} and `OpenCxTestingModule.forRoot`. */
export interface ContactAuthMockOptions {
  /** Answers for the next calls, one per call in order; once used up, `response` answers. Default none. */
  responses?: OpenCxMockAnswer[];
  /**
   * The answer of every call with no queued answer. Default: a JWT-shaped token whose `sub` is a
   * contact id derived from the email (`fakeContactId`), as the fake server answers.
   */
  response?: OpenCxMockAnswer;
  /** What `checkHealth()` reports. Default: up, key accepted. */
  health?: Partial<OpenCxHealth>;
  /** What `listContacts` and `listContactsPage` list, in this order (the filters apply). Default none. */
  contacts?: OpenCxContact[];
  /** Contacts per page of `listContactsPage`. Default 10. */
  contactsPageSize?: number;
}

/** One call the mock accepted: the validated input and the per-call options. */
export interface ContactAuthMockCall {
  input: AuthenticateUserDto;
  options: OpenCxRequestOptions;
}

const MOCK_SECRET = 'nestjs-opencx-mock';

/** Whether `time` is past `bound` (`sign` 1) or before it (-1); no bound: yes. Bounds are exclusive, as the fake takes them. */
const beyond = (time: string, bound: string | undefined, sign: 1 | -1): boolean =>
  bound === undefined || Math.sign(Date.parse(time) - Date.parse(bound)) === sign;

/** Whether `contact` is within the filter's bounds. */
function within(contact: OpenCxContact, bounds: CheckedContactQuery): boolean {
  return (
    beyond(contact.created_at, bounds.createdAfter, 1) &&
    beyond(contact.created_at, bounds.createdBefore, -1) &&
    beyond(contact.updated_at, bounds.updatedAfter, 1) &&
    beyond(contact.updated_at, bounds.updatedBefore, -1)
  );
}
/** OpenCX's `mcp_access` tokens last an hour; chat-only ones keep a "non-expiring behavior": the mock gives them no `exp`. */
const MCP_TOKEN_TTL_SECONDS = 3600;

function defaultAnswer(input: AuthenticateUserDto): OpenCxMockResponse {
  const id = fakeContactId(input.email);
  const ttl = input.mcp_access === undefined ? undefined : MCP_TOKEN_TTL_SECONDS;
  return { token: signFakeToken(id, ttl, MOCK_SECRET, Date.now(), 'org', input.mcp_access), contact: { id } };
}

/**
 * A stand-in for `ContactAuthService` that never touches the network and works with any test
 * runner (jest, vitest, `node --test`): it validates input by the same rules as the real service
 * (so a test still fails on input OpenCX would refuse), records every accepted call, and answers
 * from the queue, then from `response`. Spy on it with your runner's tools if you prefer.
 */
export class ContactAuthServiceMock implements Pick<
  ContactAuthService,
  | 'authenticateUser'
  | 'evictContact'
  | 'updateContact'
  | 'listContacts'
  | 'listContactsPage'
  | 'deleteContact'
  | 'checkHealth'
  | 'httpService'
> {
  /** Every accepted call, oldest first. Input that failed validation is not recorded. */
  readonly calls: ContactAuthMockCall[] = [];
  /** Every `evictContact` call, oldest first. */
  readonly evictions: Array<{ email: string; options: Pick<OpenCxRequestOptions, 'apiKey'> }> = [];
  /** Every accepted `updateContact` call, oldest first, with the validated changes. */
  readonly updates: Array<{ contactId: string; changes: UpdateContactDto; options: OpenCxContactCallOptions }> = [];
  /** Every accepted `deleteContact` call, oldest first. */
  readonly deletions: Array<{ contactId: string; options: OpenCxContactCallOptions }> = [];
  /** Every page `listContacts` and `listContactsPage` listed, oldest first: its checked query. */
  readonly listed: CheckedContactQuery[] = [];
  private readonly queue: OpenCxMockAnswer[];
  private http: HttpService | undefined;

  constructor(private readonly options: ContactAuthMockOptions = {}) {
    this.queue = [...(options.responses ?? [])];
  }

  /** Queues answers for the next calls, after any already queued. */
  respondWith(...answers: OpenCxMockAnswer[]): this {
    this.queue.push(...answers);
    return this;
  }

  /** Records the eviction; the mock keeps no cache. */
  async evictContact(email: string, options: Pick<OpenCxRequestOptions, 'apiKey'> = {}): Promise<void> {
    this.evictions.push({ email, options });
  }

  /** Checks the id and changes as the service does, and records them: `updates`. The mock keeps no contacts. */
  async updateContact(
    contactId: string,
    changes: UpdateContactDto,
    options: OpenCxContactCallOptions = {},
  ): Promise<void> {
    const id = contactIdOf(contactId);
    this.updates.push({ contactId: id, changes: validateUpdateContact(changes), options });
  }

  /** Checks the id as the service does, and records it: `deletions`. Resolves `{ deleted: true }`. */
  async deleteContact(contactId: string, options: OpenCxContactCallOptions = {}): Promise<OpenCxDeleteResult> {
    this.deletions.push({ contactId: contactIdOf(contactId), options });
    return { deleted: true };
  }

  /** Same contract as `ContactAuthService.listContactsPage`, over the `contacts` option; its cursors are offsets. */
  async listContactsPage(
    query: OpenCxContactPageQuery = {},
    options: OpenCxContactCallOptions = {},
  ): Promise<OpenCxContactPage> {
    const checked = contactQueryOf(query, true);
    const { cursor, ...bounds } = checked;
    if (options.signal?.aborted) throw new OpenCxAbortError();
    const from = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isSafeInteger(from)) {
      throw new OpenCxValidationError([{ field: 'cursor', messages: ['cursor must be a cursor this mock gave'] }]);
    }
    this.listed.push(checked);
    const matching = (this.options.contacts ?? []).filter((contact) => within(contact, bounds));
    const to = from + (this.options.contactsPageSize ?? 10);
    return { items: matching.slice(from, to).map((c) => ({ ...c })), next: to < matching.length ? String(to) : null };
  }

  /** Same contract as `ContactAuthService.listContacts`, page by page over `listContactsPage`. */
  async *listContacts(
    filter?: OpenCxContactFilter,
    options: OpenCxContactCallOptions = {},
  ): AsyncGenerator<OpenCxContact, void, undefined> {
    const bounds = contactQueryOf(filter, false);
    for (let cursor: string | undefined; ;) {
      const page = await this.listContactsPage({ ...bounds, cursor }, options);
      for (const contact of page.items) {
        if (options.signal?.aborted) throw new OpenCxAbortError();
        yield contact;
      }
      if (page.next === null) return;
      cursor = page.next;
    }
  }

  /** Forgets recorded calls, evictions, updates, deletions, listed pages and queued answers. */
  reset(): void {
    this.calls.length = 0;
    this.evictions.length = 0;
    this.updates.length = 0;
    this.deletions.length = 0;
    this.listed.length = 0;
    this.queue.length = 0;
  }

  /** Same contract as `ContactAuthService.authenticateUser`, answered from the mock's script. */
  async authenticateUser(
    input: AuthenticateUserInput,
    options: OpenCxRequestOptions = {},
  ): Promise<AuthenticateUserResponseDto> {
    const dto = validateAuthenticateUser(input);
    if (options.signal?.aborted) throw new OpenCxAbortError();
    this.calls.push({ input: dto, options });
    const answer = this.queue.shift() ?? this.options.response ?? defaultAnswer;
    const value = typeof answer === 'function' ? await answer(dto, options) : answer;
    if (value instanceof Error) throw value;
    return AuthenticateUserResponseDto.of(value.token, value.contact?.id);
  }

  /**
   * An `HttpService` whose axios instance refuses to send anything, so code that adds its
   * interceptors at start-up (as the README shows) runs unchanged against the mock.
   */
  get httpService(): HttpService {
    this.http ??= new HttpService(
      // The default export's `create`: the named `create` export exists only in recent axios 1.x.
      // oxlint-disable-next-line import/no-named-as-default-member
      axios.create({ adapter: () => Promise.reject(new Error('ContactAuthServiceMock sends no HTTP requests')) }),
    );
    return this.http;
  }

  /** Same contract as `ContactAuthService.checkHealth`: up unless `health` says otherwise. */
  async checkHealth(): Promise<OpenCxHealth> {
    return {
      status: 'up',
      reachable: true,
      apiKey: 'accepted',
      apiKeyAccepted: true,
      source: 'probe',
      checkedAt: new Date().toISOString(),
      fleet: 'local',
      ...this.options.health,
    };
  }
}
