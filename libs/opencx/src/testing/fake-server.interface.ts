import type { IncomingHttpHeaders } from 'node:http';
import type { FakeContact, FakeContactInit } from './fake-contacts.js';
import type { FakeRoute } from './fake-routes.js';

/** One request the fake server received, in arrival order. */
export interface RecordedRequest {
  method: string;
  /** The path without its query string, as received. */
  path: string;
  /** The route it matched; undefined for a path the fake does not serve. */
  route: FakeRoute | undefined;
  /** The query string's parameters (the last value of a repeated one). */
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The body as received, or `''` once let go (`bodyKept`). */
  rawBody: string;
  /** The body parsed as JSON; undefined when it was not JSON, or once let go. */
  body: unknown;
  /** The body's size in bytes, as received (up to `maxRequestBytes`). */
  bodyBytes: number;
  /** False once the body was let go to keep the recorded bodies under `maxRecordedBodyBytes`. */
  bodyKept: boolean;
  receivedAt: number;
  /** The client's port: requests sharing it came over one keep-alive connection. */
  remotePort: number | undefined;
}

/** What the fake does with one upcoming request instead of answering normally. */
export type FakeBehaviour =
  | { kind: 'respond'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'delay'; ms: number }
  | { kind: 'drop' }
  | { kind: 'reset-mid-response' }
  | { kind: 'hang' }
  | { kind: 'slow-body'; chunkDelayMs: number }
  | { kind: 'huge-body'; bytes: number };

/**
 * Scripted failures for upcoming requests: of any route (the server's own methods) or of one
 * (`server.route('GET /contacts')`). Each request takes the oldest behaviour queued for it.
 */
export interface FakeScript {
  /** Queues a behaviour for the next `count` requests (after any already queued). */
  queue(count: number, behaviour: FakeBehaviour): void;
  /** The next `count` requests answer `status`, with an ErrorDto body and an optional `Retry-After`. */
  failNext(count: number, status: number, options?: { retryAfter?: string | number; body?: unknown }): void;
  /** The next `count` requests are answered after `ms` milliseconds. */
  delayNext(count: number, ms: number): void;
  /** The next `count` connections are destroyed without an answer. */
  dropNext(count: number): void;
  /** The next `count` requests get a 200 whose body is not JSON (or `body`, e.g. a JSON page of the wrong shape). */
  malformedNext(count: number, body?: string): void;
  /** The next `count` requests are never answered. */
  hangNext(count: number): void;
}

/** A running fake OpenCX, from {@link createOpenCxFakeServer}. */
export interface OpenCxFakeServer extends FakeScript {
  /** Base URL to give `OpenCxModule` as `baseUrl`, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Every request received (including ones answered with scripted failures), oldest first. */
  readonly requests: RecordedRequest[];
  /** Requests to the authenticate-user endpoint only. */
  authenticateRequests(): RecordedRequest[];
  /** Requests to one route, oldest first. */
  requestsTo(route: FakeRoute): RecordedRequest[];
  /** Scripted failures for the next requests to this route only. */
  route(route: FakeRoute): FakeScript;
  /** Resolves with the next request this server receives: for tests that act once a call is in flight. */
  nextRequest(): Promise<RecordedRequest>;
  /**
   * Whether OpenCX would still accept this contact token (as the widget's later calls would send
   * it): issued here, not expired, and its contact not deleted (`DELETE /contacts/{id}`). A refused
   * token is what OpenCX answers with 401 "Invalid token".
   */
  tokenAccepted(token: string): boolean;
  /** The organisation's contacts as the fake keeps them, oldest first (API key: `apiKey`, else any). */
  contacts(apiKey?: string): FakeContact[];
  /**
   * Adds a contact, e.g. with chosen `created_at`/`updated_at` for the list's filters. Its id is
   * derived from the email unless given. Throws when the id or the email is taken.
   */
  addContact(contact: FakeContactInit, apiKey?: string): FakeContact;
  /**
   * The contact id (a UUID) of this email's contact under an API key (default: `apiKey`, else any),
   * or the id authenticate-user will give it: `fakeContactId(email, fakeOrgId(key))` for the first.
   */
  contactIdFor(email: string, apiKey?: string): string;
  /** Milliseconds to wait before every answer from now on. */
  setLatency(ms: number): void;
  /**
   * From now on, answer a random `rate` share (0 to 1) of the requests that have no queued behaviour
   * with `status` (default 503), e.g. for load tests with a flaky upstream. 0 turns it off.
   */
  setFailureRate(rate: number, status?: number): void;
  /** Changes the per-window limit of each key (undefined: none) and forgets the current windows. */
  setRateLimit(perMinute: number | undefined): void;
  /** Forgets recorded requests, queued behaviours, rate-limit windows, issued tokens and contacts. */
  reset(): void;
  /** Counts of answers by status, including 429s from the rate limit. */
  readonly statusCounts: Record<number, number>;
  /** Stops the server and destroys open connections (hanging ones included). Safe to call twice. */
  close(): Promise<void>;
}
