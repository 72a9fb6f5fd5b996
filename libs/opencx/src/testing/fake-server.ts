import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { AUTHENTICATE_USER_PATH } from '../opencx.constants.js';
import { playBehaviour, sendAnswer } from './fake-behaviour.js';
import { errorBody } from './fake-contract.js';
import { FakeOpenCx } from './fake-opencx.js';
import { FakeRateLimit } from './fake-rate-limit.js';
import { RequestRecorder } from './fake-recorder.js';
import { isFakeRoute, targetOf, type FakeRoute, type FakeTarget } from './fake-routes.js';
import type { FakeBehaviour, FakeScript, OpenCxFakeServer, RecordedRequest } from './fake-server.interface.js';
import type { OpenCxFakeServerOptions } from './fake-server.options.js';
import { fakeOrgId } from './fake-token.js';

/** A queued behaviour, for any request or for one route's. */
interface Queued {
  behaviour: FakeBehaviour;
  route?: FakeRoute;
}

const bearerKey = (req: IncomingMessage): string => {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
};

/** Runs `fn`, answering 500 if it throws: no request may bring the server (or its CLI) down. */
function guarded(res: ServerResponse, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (!res.headersSent) sendAnswer(res, 500, errorBody(500, `fake server error: ${(error as Error).name}`));
    else res.destroy();
  }
}

/**
 * Starts a fake OpenCX on 127.0.0.1 (random port) that follows OpenCX's documented contract for
 * authenticate-user and the contacts endpoints (`PATCH /contacts/{id}`, `GET /contacts` with its
 * cursor and filters, `DELETE /contacts/{id}`): it checks the Bearer key and the input (401/400 as
 * `ErrorDto`), keeps each organisation's contacts, answers JWT-shaped tokens and UUID contact ids,
 * records every request, and can be scripted to fail, delay, drop, hang, send malformed or huge
 * bodies, or enforce a per-key limit. Close it with `close()`.
 */
export async function createOpenCxFakeServer(options: OpenCxFakeServerOptions = {}): Promise<OpenCxFakeServer> {
  const opencx = new FakeOpenCx(options);
  const recorder = new RequestRecorder(options.maxRecordedBodyBytes ?? 8 * 1_048_576);
  const limit = new FakeRateLimit(
    options.rateLimitPerMinute,
    options.rateLimitWindowMs ?? 60_000,
    options.rateLimitWindow ?? 'rolling',
  );
  const queued: Queued[] = [];
  const statusCounts: Record<number, number> = {};
  const sockets = new Set<Socket>();
  const maxRequestBytes = options.maxRequestBytes ?? 1_048_576;
  let latency = options.latency ?? 0;
  let failureRate = 0;
  let failureStatus = 503;

  const answer = (req: IncomingMessage, res: ServerResponse, target: FakeTarget, body: unknown): void => {
    const refused = limit.take(bearerKey(req));
    if (refused) {
      const headers: Record<string, string> =
        options.rateLimitRetryAfter === false ? {} : { 'retry-after': String(refused.retryAfterSeconds) };
      return sendAnswer(res, 429, errorBody(429, 'ThrottlerException: Too Many Requests'), headers);
    }
    const reply = opencx.answer(req.method ?? '', target, req.headers, body);
    sendAnswer(res, reply.status, reply.body, reply.headers);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, target: FakeTarget, raw: Buffer, size: number): void => {
    const rawBody = raw.toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: target.path,
      route: target.route,
      query: Object.fromEntries(target.query),
      headers: req.headers,
      rawBody,
      body,
      bodyBytes: raw.length,
      bodyKept: true,
      receivedAt: Date.now(),
      remotePort: req.socket.remotePort,
    };
    recorder.record(record);
    if (size > maxRequestBytes) return sendAnswer(res, 413, errorBody(413, 'request entity too large'));
    const index = queued.findIndex((entry) => entry.route === undefined || entry.route === target.route);
    let behaviour = index === -1 ? undefined : queued.splice(index, 1)[0]!.behaviour;
    if (behaviour === undefined && failureRate > 0 && Math.random() < failureRate) {
      behaviour = { kind: 'respond', status: failureStatus, body: errorBody(failureStatus, 'Random failure') };
    }
    // The parsed body, not the record's: the recorder may let that go before a delayed answer.
    const normal = (): void => guarded(res, () => answer(req, res, target, body));
    if (behaviour !== undefined) return playBehaviour(behaviour, req, res, normal);
    if (latency > 0) setTimeout(normal, latency);
    else normal();
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    const target = targetOf(req.method ?? '', req.url ?? '');
    res.on('finish', () => {
      statusCounts[res.statusCode] = (statusCounts[res.statusCode] ?? 0) + 1;
    });
    res.on('close', () => {
      try {
        options.onRequest?.({
          method: req.method ?? '',
          route: target.route,
          path: target.path,
          status: res.headersSent ? res.statusCode : undefined,
          durationMs: performance.now() - started,
        });
      } catch {
        // A listener's fault is the listener's: the fake goes on serving.
      }
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxRequestBytes) chunks.push(chunk);
    });
    req.on('end', () => guarded(res, () => handle(req, res, target, Buffer.concat(chunks), size)));
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

  const script = (route?: FakeRoute): FakeScript => {
    const queue = (count: number, behaviour: FakeBehaviour): void => {
      for (let i = 0; i < count; i++) queued.push(route === undefined ? { behaviour } : { behaviour, route });
    };
    return {
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
    };
  };
  const orgOf = (apiKey: string | undefined): string => fakeOrgId(apiKey ?? options.apiKey ?? '');

  return {
    ...script(),
    url: `http://127.0.0.1:${port}`,
    port,
    requests: recorder.requests,
    statusCounts,
    authenticateRequests: () => recorder.requests.filter((r) => r.path === AUTHENTICATE_USER_PATH),
    requestsTo: (route) => recorder.requests.filter((r) => r.route === route),
    route: (route) => {
      if (!isFakeRoute(route)) throw new TypeError(`The fake has no route ${JSON.stringify(route)}`);
      return script(route);
    },
    nextRequest: () => recorder.next(),
    tokenAccepted: (token) => opencx.tokenAccepted(token),
    contacts: (apiKey) => opencx.contacts.list(orgOf(apiKey)),
    addContact: (contact, apiKey) => opencx.contacts.add(orgOf(apiKey), contact),
    contactIdFor: (email, apiKey) => opencx.contacts.idFor(orgOf(apiKey), email),
    setLatency: (ms) => {
      latency = ms;
    },
    setFailureRate: (rate, status = 503) => {
      failureRate = rate;
      failureStatus = status;
    },
    setRateLimit: (perMinute) => limit.set(perMinute),
    reset: () => {
      recorder.clear();
      queued.length = 0;
      limit.reset();
      failureRate = 0;
      for (const key of Object.keys(statusCounts)) delete statusCounts[Number(key)];
      opencx.reset();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
