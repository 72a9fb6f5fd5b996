// A minimal OpenCX stand-in for benchmarks, run in its own process so it does not share the
// client's core: answers every POST at once (or after DELAY_MS) with a body shaped like OpenCX's,
// a token of a real one's length included.
import { createServer } from 'node:http';

const delay = Number(process.env.DELAY_MS ?? 0);
const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = {
  sub: {
    type: 'widget-contact',
    payload: {
      org_id: '0b6f3f1e-8d1c-4a57-9a43-1d2f5c7e9b10',
      contact: { id: '5c2a9e4b-7f13-4d8a-b6c1-2e9f0a3d4b5c', verified: true },
    },
  },
  iat: 1_900_000_000,
  exp: 4_100_000_000,
};
const token = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.${'s'.repeat(43)}`;
const body = JSON.stringify({ token, contact: { id: claims.sub.payload.contact.id } });
const answer = (res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};
let count = 0;
const server = createServer((req, res) => {
  count++;
  req.resume();
  req.on('end', () => {
    if (delay > 0) setTimeout(answer, delay, res);
    else answer(res);
  });
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => message === 'count' && process.send?.({ count }));
process.on('disconnect', () => process.exit(0));
