import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP proxy to `port` that holds what the first `slow` connections send for `holdMs`: a slow link. */
export async function slowLink(
  port: number,
  slow: number,
  holdMs: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let opened = 0;
  const server: Server = createServer((client) => {
    const hold = opened++ < slow ? holdMs : 0;
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk) => void setTimeout(() => upstream.write(chunk), hold));
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
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

/**
 * A TCP proxy to `port` that holds each request's bytes for `holdMs`, then delivers them even when
 * the client has given up and closed its end: a buffering link (a proxy, a congested network).
 */
export async function bufferingLink(port: number, holdMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk) => void setTimeout(() => upstream.write(chunk), holdMs));
    upstream.on('data', (chunk) => client.writable && client.write(chunk));
    // Delivered anyway: the upstream side closes only after what was held has gone out.
    client.on('close', () => void setTimeout(() => upstream.destroy(), holdMs + 200));
    upstream.on('close', () => client.destroy());
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
