import { createServer, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHttpClient } from './http-client.js';

describe('createHttpClient', () => {
  let server: Server;
  let url: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    server = createServer((_req, res) => res.end('{}'));
    server.on('connection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 30_000);
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends consecutive calls over one kept-alive connection, and closes it on close()', async () => {
    const { http, close } = createHttpClient();
    await http.axiosRef.get(url);
    const { request } = await http.axiosRef.get<unknown>(url);
    expect(sockets.length).toBe(1);
    const { socket } = request as ClientRequest;
    expect(socket?.destroyed).toBe(false);
    close();
    expect(socket?.destroyed).toBe(true);
  });
});
