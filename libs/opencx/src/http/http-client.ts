import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';

/** A registration's `HttpService` and what must be closed at shutdown. */
export interface OpenCxHttpClient {
  http: HttpService;
  close(): void;
}

/**
 * The registration's own `HttpService`: an axios instance with the default Node adapter over
 * keep-alive agents, so consecutive calls reuse one connection instead of a handshake each.
 */
export function createHttpClient(): OpenCxHttpClient {
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true });
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
