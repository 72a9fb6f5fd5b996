import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AUTHENTICATE_USER_FIELDS } from '../dto/authenticate-user.limits.js';
import { AUTHENTICATE_USER_PATH } from '../opencx.constants.js';
import { bodyProblems } from './fake-contract.js';
import { fakeContactId, fakeOrgId, signFakeToken, type FakeMcpAccess } from './fake-token.js';

/** Options of {@link createOpenCxFakeServer}. */
export interface OpenCxFakeServerOptions {
  /** Port to listen on, on 127.0.0.1. Default 0 (a free port). */
  port?: number;
  /** The only Bearer key accepted (401 otherwise). Default: any non-empty key. */
  apiKey?: string;
  /** Answer 429 (with `Retry-After`) past this many requests per window. Default: no limit. */
  rateLimitPerMinute?: number;
  /** Length of the rate-limit window in ms (shorter only to run quota tests quickly). Default 60000. */
  rateLimitWindowMs?: number;
  /**
   * `'rolling'` (default): at most the limit in any window-long interval; `'fixed'`: windows open at
   * the first request and follow each other back to back. OpenCX does not document which it uses.
   */
  rateLimitWindow?: 'rolling' | 'fixed';
  /**
   * Lifetime of every issued token (`exp - iat`), in seconds. Default as OpenCX's widget skills
   * say: chat-only tokens have no `exp`; tokens issued with `mcp_access` last 3600 s.
   */
  tokenTtlSeconds?: number;
  /**
   * Whether an unknown body field is refused with 400 (NestJS's `forbidNonWhitelisted`) rather than
   * ignored. Not documented by OpenCX: an assumption. Default true.
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
  /** Status of a successful answer. Default 200 (today's docs); 201 as older renders showed. */
  successStatus?: number;
  /**
   * Answer a valid key 403, as OpenCX does for a key without the scope for this endpoint (scoped
   * keys are documented; this endpoint's scope name is not). Default false.
   */
  forbidden?: boolean;
  /** Milliseconds to wait before every answer. Default 0. */
  latency?: number;
  /** Milliseconds an idle keep-alive connection stays open. Default 5000 (Node's default). */
  keepAliveTimeout?: number;
  /** Largest request body read, in bytes (413 past it). Default 1 MiB. */
  maxRequestBytes?: number;
}

/** What the fake knows of a token it issued, for {@link OpenCxFakeServer.tokenAccepted}. */
interface Issued {
  contactId: string;
  expiresAt?: number;
}

/** One request the fake server received, in arrival order. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as received. */
  rawBody: string;
  /** The body parsed as JSON, or undefined when it was not JSON. */
  body: unknown;
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

/** A running fake OpenCX. */
export interface OpenCxFakeServer {
  /** Base URL to give `OpenCxModule` as `baseUrl`, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** Every request received (including ones answered with scripted failures), oldest first. */
  readonly requests: RecordedRequest[];
  /** Requests to the authenticate-user endpoint only. */
  authenticateRequests(): RecordedRequest[];
  /** Resolves with the next request this server receives: for tests that act once a call is in flight. */
  nextRequest(): Promise<RecordedRequest>;
  /**
   * Whether OpenCX would still accept this contact token (as the widget's later calls would send
   * it): issued here, not expired, and its contact not deleted (`DELETE /contacts/{id}`).
   */
  tokenAccepted(token: string): boolean;
  /** Queues a behaviour for the next `count` requests (after any already queued). */
  queue(count: number, behaviour: FakeBehaviour): void;
  /** The next `count` requests answer `status`, with an ErrorDto body and an optional `Retry-After`. */
  failNext(count: number, status: number, options?: { retryAfter?: string | number; body?: unknown }): void;
  /** The next `count` requests are answered after `ms` milliseconds. */
  delayNext(count: number, ms: number): void;
  /** The next `count` connections are destroyed without an answer. */
  dropNext(count: number): void;
  /** The next `count` requests get a 200 whose body is not JSON. */
  malformedNext(count: number, body?: string): void;
  /** The next `count` requests are never answered. */
  hangNext(count: number): void;
  /** Milliseconds to wait before every answer from now on. */
  setLatency(ms: number): void;
  /**
   * From now on, answer a random `rate` share (0 to 1) of the requests that have no queued behaviour
   * with `status` (default 503), e.g. for load tests with a flaky upstream. 0 turns it off.
   */
  setFailureRate(rate: number, status?: number): void;
  /** Changes the per-minute limit (undefined: none) and forgets the current window. */
  setRateLimit(perMinute: number | undefined): void;
  /** Forgets recorded requests, queued behaviours, the rate-limit window, issued tokens and deletions. */
  reset(): void;
  /** The contact id (a UUID) this server returns for an email under an API key (default: `apiKey`, else any). */
  contactIdFor(email: string, apiKey?: string): string;
  /** Counts of answers by status, including 429s from the rate limit. */
  readonly statusCounts: Record<number, number>;
  /** Stops the server and destroys open connections (hanging ones included). Safe to call twice. */
  close(): Promise<void>;
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set([...AUTHENTICATE_USER_FIELDS, 'mcp_access']);

/** A NestJS-style error body (`ErrorDto`); `message` a list for validation, as NestJS's pipe writes it. */
function errorBody(
  status: number,
  message: string | string[],
): { statusCode: number; message: string | string[]; error: string } {
  return { statusCode: status, message, error: STATUS_CODES[status] ?? 'Error' };
}

const CONTACT_PATH = /^\/contacts\/([^/]+)$/;

/*
 * What is documented and what is assumed (docs/opencx-api.md gives the sources). Documented: the
 * path, Bearer key, body fields, `{ token, contact: { id } }` with a 200 (201 in older renders),
 * HS256 tokens whose `sub` is the widget-contact envelope, chat-only tokens without `exp` and
 * `mcp_access` ones for an hour, UUID contact ids, the 401 body, `DELETE /contacts/{contact_id}`,
 * 100 calls per minute. Assumed (each configurable): unknown fields refused, the key checked before
 * the body, the 429 body and its `Retry-After`, the 400/403/404 texts.
 */

/**
 * Starts a fake OpenCX on 127.0.0.1 (random port) that follows the authenticate-user contract:
 * checks the Bearer key and the body (401/400 as `ErrorDto`), answers a JWT-shaped token with an
 * `exp` claim and a contact id stable per email, records every request, and can be scripted to
 * fail, delay, drop, hang, send malformed or huge bodies, or enforce a per-minute limit.
 */
export async function createOpenCxFakeServer(options: OpenCxFakeServerOptions = {}): Promise<OpenCxFakeServer> {
  const secret = randomBytes(32).toString('hex');
  const requests: RecordedRequest[] = [];
  const waiters: Array<(request: RecordedRequest) => void> = [];
  const queued: FakeBehaviour[] = [];
  const statusCounts: Record<number, number> = {};
  const sockets = new Set<Socket>();
  let latency = options.latency ?? 0;
  let rateLimit = options.rateLimitPerMinute;
  let failureRate = 0;
  let failureStatus = 503;
  let window: number[] = [];
  let fixedWindowStart: number | undefined;
  const windowMs = options.rateLimitWindowMs ?? 60_000;
  const maxRequestBytes = options.maxRequestBytes ?? 1_048_576;
  // Contacts by org and id (their email), deleted ones, and each email's generation after deletions.
  const contactEmails = new Map<string, string>();
  const deleted = new Set<string>();
  const generations = new Map<string, number>();
  const issued = new Map<string, Issued>();

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    statusCounts[status] = (statusCounts[status] ?? 0) + 1;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  };

  const answer = (req: IncomingMessage, res: ServerResponse, record: RecordedRequest): void => {
    if (rateLimit !== undefined) {
      const now = Date.now();
      if (options.rateLimitWindow === 'fixed') {
        fixedWindowStart ??= now;
        while (now >= fixedWindowStart + windowMs) fixedWindowStart += windowMs;
        window = window.filter((t) => t >= fixedWindowStart!);
      } else {
        window = window.filter((t) => t > now - windowMs);
      }
      if (window.length >= rateLimit) {
        const resetsAt = options.rateLimitWindow === 'fixed' ? fixedWindowStart! + windowMs : window[0]! + windowMs;
        const retryAfter = Math.max(1, Math.ceil((resetsAt - now) / 1000));
        const headers: Record<string, string> =
          options.rateLimitRetryAfter === false ? {} : { 'retry-after': String(retryAfter) };
        send(res, 429, errorBody(429, 'ThrottlerException: Too Many Requests'), headers);
        return;
      }
      window.push(now);
    }
    const deleting = req.method === 'DELETE' ? CONTACT_PATH.exec(record.path) : null;
    if (!deleting && (req.method !== 'POST' || record.path !== AUTHENTICATE_USER_PATH)) {
      send(res, 404, errorBody(404, `Cannot ${req.method} ${record.path}`));
      return;
    }
    const auth = req.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    const keyRefused = key === '' || (options.apiKey !== undefined && key !== options.apiKey);
    const problems = deleting ? [] : bodyProblems(record.body, KNOWN_FIELDS, options.refuseUnknownFields ?? true);
    if (problems.length > 0 && options.validateBodyFirst) return send(res, 400, errorBody(400, problems));
    if (keyRefused) return send(res, 401, errorBody(401, 'Unauthorized'));
    if (options.forbidden) return send(res, 403, errorBody(403, 'Forbidden resource'));
    if (problems.length > 0) return send(res, 400, errorBody(400, problems));
    const orgId = fakeOrgId(key);
    if (deleting) {
      const contactId = decodeURIComponent(deleting[1] ?? '');
      const email = contactEmails.get(`${orgId}\u0000${contactId}`);
      if (email === undefined) return send(res, 404, errorBody(404, 'Contact not found'));
      contactEmails.delete(`${orgId}\u0000${contactId}`);
      deleted.add(contactId);
      generations.set(`${orgId}\u0000${email}`, (generations.get(`${orgId}\u0000${email}`) ?? 0) + 1);
      return send(res, 200, { id: contactId });
    }
    const { email, mcp_access: mcpAccess } = record.body as { email: string; mcp_access?: FakeMcpAccess };
    const normalised = email.trim().toLowerCase();
    const generation = generations.get(`${orgId}\u0000${normalised}`) ?? 0;
    // A deleted contact's email makes a new contact, with a new id.
    const contactId = fakeContactId(generation === 0 ? email : `${normalised}#${generation}`, orgId);
    contactEmails.set(`${orgId}\u0000${contactId}`, normalised);
    const ttl = options.tokenTtlSeconds ?? (mcpAccess === undefined ? undefined : 3600);
    const now = Date.now();
    const token = signFakeToken(contactId, ttl, secret, now, orgId, mcpAccess);
    issued.set(token, { contactId, ...(ttl === undefined ? {} : { expiresAt: now + ttl * 1000 }) });
    send(res, options.successStatus ?? 200, { token, contact: { id: contactId } });
  };

  const play = (
    behaviour: FakeBehaviour | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
  ): void => {
    switch (behaviour?.kind) {
      case undefined:
        answer(req, res, record);
        return;
      case 'respond':
        send(
          res,
          behaviour.status,
          behaviour.body ?? errorBody(behaviour.status, 'Scripted failure'),
          behaviour.headers,
        );
        return;
      case 'delay':
        setTimeout(() => answer(req, res, record), behaviour.ms);
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'reset-mid-response':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"token":"eyJ', () => req.socket.destroy());
        return;
      case 'slow-body': {
        const text = JSON.stringify({ token: 'slow.token.value', contact: { id: 'ctc_slow' } });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        let index = 0;
        const tick = (): void => {
          if (res.destroyed) return;
          if (index >= text.length) return void res.end();
          res.write(text[index++]);
          setTimeout(tick, behaviour.chunkDelayMs);
        };
        tick();
        return;
      }
      case 'huge-body': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let sent = 0;
        const pump = (): void => {
          while (sent < behaviour.bytes && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
        return;
      }
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxRequestBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const record: RecordedRequest = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0] ?? '',
        headers: req.headers,
        rawBody,
        body,
        receivedAt: Date.now(),
        remotePort: req.socket.remotePort,
      };
      requests.push(record);
      for (const waiter of waiters.splice(0)) waiter(record);
      if (size > maxRequestBytes) return send(res, 413, errorBody(413, 'request entity too large'));
      let behaviour = queued.shift();
      if (behaviour === undefined && failureRate > 0 && Math.random() < failureRate) {
        behaviour = { kind: 'respond', status: failureStatus, body: errorBody(failureStatus, 'Random failure') };
      }
      if (latency > 0 && behaviour === undefined) {
        setTimeout(() => play(behaviour, req, res, record), latency);
      } else {
        play(behaviour, req, res, record);
      }
    });
  });
  server.keepAliveTimeout = options.keepAliveTimeout ?? 5_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  const queue = (count: number, behaviour: FakeBehaviour): void => {
    for (let i = 0; i < count; i++) queued.push(behaviour);
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    statusCounts,
    authenticateRequests: () => requests.filter((r) => r.path === AUTHENTICATE_USER_PATH),
    nextRequest: () => new Promise<RecordedRequest>((resolve) => waiters.push(resolve)),
    tokenAccepted: (token) => {
      const known = issued.get(token);
      return known !== undefined && !deleted.has(known.contactId) && (known.expiresAt ?? Infinity) > Date.now();
    },
    queue,
    failNext: (count, status, opts = {}) =>
      queue(count, {
        kind: 'respond',
        status,
        body: opts.body ?? errorBody(status, 'Scripted failure'),
        headers: opts.retryAfter === undefined ? {} : { 'retry-after': String(opts.retryAfter) },
      }),
    delayNext: (count, ms) => queue(count, { kind: 'delay', ms }),
    dropNext: (count) => queue(count, { kind: 'drop' }),
    malformedNext: (count, body = '<html><body>502 Bad Gateway</body></html>') =>
      queue(count, { kind: 'respond', status: 200, body, headers: { 'content-type': 'text/html' } }),
    hangNext: (count) => queue(count, { kind: 'hang' }),
    setLatency: (ms) => {
      latency = ms;
    },
    setFailureRate: (rate, status = 503) => {
      failureRate = rate;
      failureStatus = status;
    },
    setRateLimit: (perMinute) => {
      rateLimit = perMinute;
      window = [];
      fixedWindowStart = undefined;
    },
    reset: () => {
      requests.length = 0;
      queued.length = 0;
      window = [];
      fixedWindowStart = undefined;
      failureRate = 0;
      for (const key of Object.keys(statusCounts)) delete statusCounts[Number(key)];
      for (const map of [contactEmails, generations, issued]) map.clear();
      deleted.clear();
    },
    contactIdFor: (email, apiKey = options.apiKey ?? '') => fakeContactId(email, fakeOrgId(apiKey)),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
