import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { watchReuse } from './reused-socket.js';

/**
 * How long a kept-alive socket may sit idle before the client closes it: well before the 60 s idle
 * timeout of many load balancers and servers (which the rate limiter's next-window slots, at 61 s,
 * fall just past), and under Node's own 5 s server default, so the client closes first.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/** A registration's `HttpService` and what must be closed at shutdown. */
export interface OpenCxHttpClient {
  http: HttpService;
  close(): void;
}

/**
 * The registration's own `HttpService`: an axios instance with the default Node adapter over
 * keep-alive agents, so consecutive calls reuse one connection instead of a handshake each. An
 * idle socket is closed after `idleTimeout` ms (the agent's socket timeout, which closes only free
 * sockets: a slow answer is not cut), and a request sent on a reused socket is watched, so that a
 * failure before any byte of its answer can be told apart (see `failedOnStaleSocket`).
 */
export function createHttpClient(idleTimeout: number = IDLE_SOCKET_TIMEOUT_MS): OpenCxHttpClient {
  const httpAgent = watchReuse(new HttpAgent({ keepAlive: true, timeout: idleTimeout }));
  const httpsAgent = watchReuse(new HttpsAgent({ keepAlive: true, timeout: idleTimeout }));
  // The default export's `create`: the named `create` export exists only in recent axios 1.x.
  // oxlint-disable-next-line import/no-named-as-default-member
  const http = new HttpService(axios.create({ httpAgent, httpsAgent }));
  return {
    http,
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
