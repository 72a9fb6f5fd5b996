// A minimal OpenCX stand-in for benchmarks, run in its own process so it does not share the
// client's core: answers every POST at once (or after DELAY_MS) with a body shaped like OpenCX's,
// a token of a real one's length included. Each email is its own contact (a stable id per email),
// as OpenCX is assumed to keep it: the cache keys each contact's tokens by that id.
import { createHash } from 'node:crypto';
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
const bodies = new Map();
/** The answer for `email`, made once: its contact id is a UUID drawn from the email. */
const bodyFor = (email) => {
  let body = bodies.get(email);
  if (body === undefined) {
    const hex = createHash('sha1').update(String(email)).digest('hex');
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    body = JSON.stringify({ token, contact: { id } });
    bodies.set(email, body);
  }
  return body;
};
const emailOf = (raw) => {
  try {
    return JSON.parse(raw).email;
  } catch {
    return undefined;
  }
};
const answer = (res, body) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};
let count = 0;
const server = createServer((req, res) => {
  count++;
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (raw += chunk));
  req.on('end', () => {
    const body = bodyFor(emailOf(raw));
    if (delay > 0) setTimeout(answer, delay, res, body);
    else answer(res, body);
  });
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (message) => message === 'count' && process.send?.({ count }));
process.on('disconnect', () => process.exit(0));
