// A minimal OpenCX stand-in for benchmarks, run in its own process so it does not share the
// client's core: answers every POST at once (or after DELAY_MS) with a fixed, valid body.
import { createServer } from 'node:http';

const delay = Number(process.env.DELAY_MS ?? 0);
const body = JSON.stringify({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdGNfMSJ9.c2ln', contact: { id: 'ctc_1' } });
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
