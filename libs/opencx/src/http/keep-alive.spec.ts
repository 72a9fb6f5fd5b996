import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as wait } from 'node:timers/promises';
import { OpenCxConnectionError } from '../errors/opencx.errors.js';
import { Scrubber } from '../errors/scrub.js';
import { createHttpClient, IDLE_SOCKET_TIMEOUT_MS, type OpenCxHttpClient } from './http-client.js';
import { Transport, type Exchange } from './transport.js';

/** What the upstream does with a request, given how many requests its connection carried before. */
type Behaviour = (served: number, request: IncomingMessage, response: ServerResponse) => void;

const answer: Behaviour = (_served, _request, response) => response.end('ok');

/** A local upstream whose behaviour each test sets; it counts connections and the requests on each. */
async function upstream() {
  let behaviour: Behaviour = answer;
  const served = new WeakMap<Socket, number>();
  const sockets: Socket[] = [];
  const server: Server = createServer((request, response) => {
    const count = served.get(request.socket) ?? 0;
    served.set(request.socket, count + 1);
    behaviour(count, request, response);
  });
  server.on('connection', (socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sockets,
    set: (next: Behaviour) => (behaviour = next),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('kept-alive connections', () => {
  let server: Awaited<ReturnType<typeof upstream>>;
  let client: OpenCxHttpClient | undefined;
  beforeEach(async () => {
    server = await upstream();
  }, 30_000);
  afterEach(async () => {
    client?.close();
    client = undefined;
    await server?.close();
  });

  /** One POST through the transport, as an attempt sends it. */
  const send = (idleTimeout?: number): Promise<Exchange<string>> => {
    client ??= createHttpClient(idleTimeout);
    return new Transport(client.http, server.url, 1_000_000).send({
      method: 'POST',
      path: '/widget/authenticate-user',
      apiKey: 'sk_keepalive_canary',
      body: '{}',
      parse: (_status, text) => text,
      timeout: 5_000,
      scrubber: () => new Scrubber('sk_keepalive_canary', []),
    });
  };

  it('closes an idle socket well before the 60 s idle timeout of load balancers, and under Node’s own 5 s', () => {
    expect(IDLE_SOCKET_TIMEOUT_MS).toBeLessThan(5_000);
    expect(IDLE_SOCKET_TIMEOUT_MS).toBeGreaterThanOrEqual(1_000);
  });

  it('survives an upstream that forgets a connection idle for its window, when the next slot comes just after it', async () => {
    // Scaled: the upstream forgets a connection idle for W = 300 ms; the limiter's next slot falls at
    // W + W/60. The client closes its idle sockets after W/6, as 5 s is to a 60 s balancer's minute.
    const window = 300;
    let lastEnd = 0;
    server.set((served, request, response) => {
      if (served > 0 && performance.now() - lastEnd >= window) {
        request.socket.resetAndDestroy();
        return;
      }
      response.end('ok', () => (lastEnd = performance.now()));
    });
    expect((await send(window / 6)).result).toBe('ok');
    await wait(window + window / 60);
    const second = await send();
    expect(second.failure).toBeUndefined();
    expect(second.result).toBe('ok');
    expect(server.sockets).toHaveLength(2);
  });

  it('marks an attempt that failed on a reused socket before any byte of the answer as stale', async () => {
    server.set((served, request, response) => (served > 0 ? request.socket.resetAndDestroy() : response.end('ok')));
    expect((await send()).result).toBe('ok');
    const second = await send();
    expect(second.failure).toBeInstanceOf(OpenCxConnectionError);
    expect(second.stale).toBe(true);
    expect(server.sockets).toHaveLength(1);
  });

  it('does not mark a failure on a new socket as stale: that request may have reached the upstream', async () => {
    server.set((_served, request) => request.socket.resetAndDestroy());
    const first = await send();
    expect(first.failure).toBeInstanceOf(OpenCxConnectionError);
    expect(first.stale).toBeUndefined();
  });

  it('does not mark a failure on a reused socket as stale once part of the answer arrived', async () => {
    server.set((served, request, response) => {
      if (served === 0) response.end('ok');
      else
        request.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial', () => request.socket.destroy());
    });
    expect((await send()).result).toBe('ok');
    const second = await send();
    expect(second.failure).toBeInstanceOf(OpenCxConnectionError);
    expect(second.stale).toBeUndefined();
  });

  it('lets an answer slower than the idle timeout arrive: only idle sockets are closed', async () => {
    server.set((_served, _request, response) => void setTimeout(() => response.end('slow'), 250));
    expect((await send(50)).result).toBe('slow');
  });

  it('closes the idle socket itself, so the upstream sees it go', async () => {
    expect((await send(100)).result).toBe('ok');
    const [socket] = server.sockets;
    const started = performance.now();
    await once(socket!, 'close');
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
