import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './fake-contract.js';
import type { FakeBehaviour } from './fake-server.interface.js';

/** Writes one answer: JSON unless `body` is a string, and no body at all when it is undefined. */
export function sendAnswer(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  if (body === undefined) {
    res.writeHead(status, { 'content-length': '0', ...headers });
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(text);
}

/** Plays one scripted behaviour; `answer` gives the normal answer (for `delay`). */
export function playBehaviour(
  behaviour: FakeBehaviour,
  req: IncomingMessage,
  res: ServerResponse,
  answer: () => void,
): void {
  switch (behaviour.kind) {
    case 'respond':
      return sendAnswer(
        res,
        behaviour.status,
        behaviour.body ?? errorBody(behaviour.status, 'Scripted failure'),
        behaviour.headers,
      );
    case 'delay':
      setTimeout(answer, behaviour.ms);
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
}
