import type { FakeRoute } from './fake-routes.js';

/** What the fake reports of each request once it is over (answered, dropped, or its connection closed). */
export interface FakeRequestEvent {
  method: string;
  /** The route it matched; undefined for a path the fake does not serve. */
  route: FakeRoute | undefined;
  /** The path as received, without its query string. */
  path: string;
  /** The status answered; undefined when no answer was sent (a scripted drop or hang, a closed connection). */
  status: number | undefined;
  /** From the request's arrival to its end, in milliseconds. */
  durationMs: number;
}

/** Options of {@link createOpenCxFakeServer}. */
export interface OpenCxFakeServerOptions {
  /** Port to listen on, on 127.0.0.1. Default 0 (a free port). */
  port?: number;
  /** The only Bearer key accepted (401 otherwise). Default: any non-empty key. */
  apiKey?: string;
  /**
   * Answer 429 (with `Retry-After`) past this many requests per window and API key: one window per
   * key, as OpenCX's limit is assumed to be. OpenCX documents 100 a minute. Default: no limit.
   */
  rateLimitPerMinute?: number;
  /** Length of the rate-limit window in ms (shorter only to run quota tests quickly). Default 60000. */
  rateLimitWindowMs?: number;
  /**
   * `'rolling'` (default): at most the limit in any window-long interval; `'fixed'`: windows open at
   * the first request and follow each other back to back. OpenCX does not document which it uses.
   */
  rateLimitWindow?: 'rolling' | 'fixed';
  /**
   * Lifetime of every issued token (`exp - iat`), in seconds. Default, as OpenCX's widget skill says
   * ("non-expiring behavior" for chat-only tokens, one hour with `mcp_access`): no `exp` claim on a
   * chat-only token (whether OpenCX's carry one is not documented), 3600 s with `mcp_access`.
   */
  tokenTtlSeconds?: number;
  /**
   * Whether an unknown body field or query parameter is refused with 400 (NestJS's
   * `forbidNonWhitelisted`) rather than ignored. Not documented by OpenCX: an assumption. Default true.
   */
  refuseUnknownFields?: boolean;
  /**
   * Whether the body is validated before the key is checked (a bad body with a bad key answers
   * 400, not 401). Not documented; OpenCX's server runs on Fastify, where that order is common.
   * Default false (the key first).
   */
  validateBodyFirst?: boolean;
  /** Whether a 429 carries `Retry-After` (not documented by OpenCX). Default true. */
  rateLimitRetryAfter?: boolean;
  /** Status of a successful authenticate-user answer. Default 200 (today's docs); 201 as older renders showed. */
  successStatus?: number;
  /**
   * Answer a valid key 403, as OpenCX does for a key without the scope for an endpoint (scoped keys
   * are documented). Default false.
   */
  forbidden?: boolean;
  /** Contacts in one page of `GET /contacts` (OpenCX documents no page size). Default 10. */
  contactsPageSize?: number;
  /** Milliseconds to wait before every answer. Default 0. */
  latency?: number;
  /** Milliseconds an idle keep-alive connection stays open. Default 5000 (Node's default). */
  keepAliveTimeout?: number;
  /** Largest request body read, in bytes (413 past it). Default 1 MiB. */
  maxRequestBytes?: number;
  /**
   * Bytes of request bodies kept in `requests`, all of them together: past it the oldest bodies
   * are let go (their `rawBody` becomes `''`, `body` undefined and `bodyKept` false; the rest of
   * the record stays). Default 8 MiB.
   */
  maxRecordedBodyBytes?: number;
  /** Called once per request when it is over: the CLI logs a line from it. Default none. */
  onRequest?: (event: FakeRequestEvent) => void;
}
