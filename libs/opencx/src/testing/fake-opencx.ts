import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AUTHENTICATE_USER_FIELDS } from '../dto/authenticate-user.limits.js';
import { FakeContactBook, type FakeContactChanges, type FakeContactFilter } from './fake-contacts.js';
import { bodyProblems, contactChangesProblems, errorBody, listQueryProblems } from './fake-contract.js';
import type { FakeTarget } from './fake-routes.js';
import type { OpenCxFakeServerOptions } from './fake-server.options.js';
import { fakeOrgId, signFakeToken, type FakeMcpAccess } from './fake-token.js';

/** One answer: a status, and a JSON body unless there is none. */
export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the fake knows of a token it issued. */
interface Issued {
  orgId: string;
  contactId: string;
  expiresAt?: number;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set([...AUTHENTICATE_USER_FIELDS, 'mcp_access']);

const fail = (status: number, message: string | string[]): FakeAnswer => ({ status, body: errorBody(status, message) });

/** `GET /contacts`'s cursor: opaque to clients, a position in the creation order here. */
const cursorOf = (position: number): string => Buffer.from(`after:${position}`).toString('base64url');
const positionOf = (cursor: string): number | undefined => {
  const match = /^after:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
};

/**
 * OpenCX's side of each route, once a request has passed the rate limit and any scripted
 * behaviour: the key, then the input, then the contacts and the tokens. docs/opencx-api.md says
 * which of these behaviours are documented and which are assumed (each assumption is an option).
 */
export class FakeOpenCx {
  readonly contacts = new FakeContactBook();
  private readonly issued = new Map<string, Issued>();
  private readonly secret = randomBytes(32).toString('hex');

  constructor(private readonly options: OpenCxFakeServerOptions) {}

  /** The answer to one request: its method, where it goes, its headers and its parsed body. */
  answer(method: string, target: FakeTarget, headers: IncomingHttpHeaders, body: unknown): FakeAnswer {
    const { route } = target;
    if (route === undefined) return fail(404, `Cannot ${method} ${target.path}`);
    const byId = route === 'PATCH /contacts/{id}' || route === 'DELETE /contacts/{id}';
    if (byId && target.contactId === undefined) return fail(400, 'the contact id is not a valid URL component');
    const refuseUnknown = this.options.refuseUnknownFields ?? true;
    const problems =
      route === 'GET /contacts'
        ? listQueryProblems(target.query, refuseUnknown)
        : route === 'PATCH /contacts/{id}'
          ? contactChangesProblems(body, refuseUnknown)
          : route === 'DELETE /contacts/{id}'
            ? []
            : bodyProblems(body, KNOWN_FIELDS, refuseUnknown);
    if (problems.length > 0 && this.options.validateBodyFirst) return fail(400, problems);
    const auth = headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (key === '' || (this.options.apiKey !== undefined && key !== this.options.apiKey)) {
      return fail(401, 'Unauthorized');
    }
    if (this.options.forbidden) return fail(403, 'Forbidden resource');
    if (problems.length > 0) return fail(400, problems);
    const orgId = fakeOrgId(key);
    switch (route) {
      case 'GET /contacts':
        return this.list(orgId, target.query);
      case 'PATCH /contacts/{id}':
        return this.update(orgId, target.contactId!, (body as { contact: FakeContactChanges }).contact);
      case 'DELETE /contacts/{id}':
        return this.contacts.remove(orgId, target.contactId!) ? { status: 200 } : fail(404, 'Contact not found');
      default:
        return this.authenticate(orgId, body as Record<string, unknown>);
    }
  }

  /** Whether a token is one this fake issued, not expired, whose contact still exists. */
  tokenAccepted(token: string): boolean {
    const known = this.issued.get(token);
    if (known === undefined || (known.expiresAt ?? Infinity) <= Date.now()) return false;
    return this.contacts.has(known.orgId, known.contactId);
  }

  /** Forgets the issued tokens and every contact. */
  reset(): void {
    this.issued.clear();
    this.contacts.clear();
  }

  private authenticate(orgId: string, body: Record<string, unknown>): FakeAnswer {
    const mcpAccess = body.mcp_access as FakeMcpAccess | undefined;
    const contact = this.contacts.upsert(orgId, body.email as string, {
      name: body.name as string | undefined,
      phone: body.phone as string | undefined,
      customData: body.customData as object | undefined,
    });
    const ttl = this.options.tokenTtlSeconds ?? (mcpAccess === undefined ? undefined : 3600);
    const now = Date.now();
    const token = signFakeToken(contact.id, ttl, this.secret, now, orgId, mcpAccess);
    this.issued.set(token, {
      orgId,
      contactId: contact.id,
      ...(ttl === undefined ? {} : { expiresAt: now + ttl * 1000 }),
    });
    return { status: this.options.successStatus ?? 200, body: { token, contact: { id: contact.id } } };
  }

  private update(orgId: string, contactId: string, changes: FakeContactChanges): FakeAnswer {
    switch (this.contacts.update(orgId, contactId, changes)) {
      case 'not-found':
        return fail(404, 'Contact not found');
      case 'email-taken':
        return fail(409, 'Another contact has this email');
      default:
        return { status: 200 };
    }
  }

  private list(orgId: string, query: URLSearchParams): FakeAnswer {
    const cursor = query.get('cursor');
    const after = cursor === null ? 0 : positionOf(cursor);
    if (after === undefined) return fail(400, ['cursor is not a cursor this server gave']);
    const time = (name: string): number | undefined => {
      const value = query.get(name);
      return value === null ? undefined : Date.parse(value);
    };
    const filter: FakeContactFilter = {
      createdAfter: time('created_after'),
      createdBefore: time('created_before'),
      updatedAfter: time('updated_after'),
      updatedBefore: time('updated_before'),
    };
    const page = this.contacts.page(orgId, filter, after, this.options.contactsPageSize ?? 10);
    return { status: 200, body: { items: page.items, next: page.next === undefined ? null : cursorOf(page.next) } };
  }
}
