import type { Agent, ClientRequest } from 'node:http';
import type { Duplex } from 'node:stream';

/** For each request sent on a kept-alive socket: how many bytes the socket had read before it. */
const readBefore = new WeakMap<ClientRequest, number>();

/** Has `agent` note, for each request it sends on a reused socket, what the socket had read so far. */
export function watchReuse<A extends Agent>(agent: A): A {
  const reuse = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket: Duplex, request: ClientRequest): void => {
    reuse(socket, request);
    readBefore.set(request, (socket as Duplex & { bytesRead: number }).bytesRead);
  };
  return agent;
}

/**
 * Whether `request` (an axios error's `request`: Node's `ClientRequest`) failed on a reused
 * keep-alive socket before any byte of its answer arrived: the other side had closed the idle
 * connection, and the request never reached it.
 */
export function failedOnStaleSocket(request: unknown): boolean {
  const before = readBefore.get(request as ClientRequest);
  if (before === undefined) return false;
  const { reusedSocket, socket } = request as ClientRequest;
  return reusedSocket && socket?.bytesRead === before;
}
