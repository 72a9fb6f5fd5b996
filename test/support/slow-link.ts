import { connect, createServer, type Server, type Socket } from 'node:net';

/** A running proxy: its URL, and how to stop it with every connection. */
export interface Link {
  url: string;
  close(): Promise<void>;
}

/** A TCP proxy to `port` on loopback; `wire` joins each client to its upstream connection. */
async function proxy(port: number, wire: (client: Socket, upstream: Socket) => void): Promise<Link> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
    wire(client, upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${own}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A proxy that holds what the first `slow` connections send for `holdMs`: a slow link. */
export function slowLink(port: number, slow: number, holdMs: number): Promise<Link> {
  let opened = 0;
  return proxy(port, (client, upstream) => {
    const hold = opened++ < slow ? holdMs : 0;
    client.on('data', (chunk) => void setTimeout(() => upstream.write(chunk), hold));
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
}

/**
 * A proxy that holds each request's bytes for `holdMs`, then delivers them even when the client has
 * given up and closed its end: a buffering link (a proxy, a congested network).
 */
export function bufferingLink(port: number, holdMs: number): Promise<Link> {
  return proxy(port, (client, upstream) => {
    client.on('data', (chunk) => void setTimeout(() => upstream.write(chunk), holdMs));
    upstream.on('data', (chunk) => client.writable && client.write(chunk));
    // Delivered anyway: the upstream side closes only after what was held has gone out.
    client.on('close', () => void setTimeout(() => upstream.destroy(), holdMs + 200));
    upstream.on('close', () => client.destroy());
  });
}
