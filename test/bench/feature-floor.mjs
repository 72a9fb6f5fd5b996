// The floor of what the sample's three extra features cost: a raw `node:http` server answering
// POST /v1/contacts/authenticate with a fixed body (no framework, no upstream), and with FEATURES=1
// the same three things written by hand at their cheapest: the sample's own API security headers,
// a request id plus one JSON log line written synchronously to a file, and a rate-limiter-flexible
// counter with the three `X-RateLimit-*` headers. Run side by side, the difference in CPU per request
// is what those features cost before any framework or library adds its own work.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import helmet from 'helmet';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { API_HEADERS, headersSetBy } from '../../dist/apps/sample/common/security-headers.middleware.js';

const features = process.env.FEATURES === '1';
const headers = [['cache-control', 'no-store'], ...headersSetBy(helmet(API_HEADERS))];
const limiter = new RateLimiterMemory({ points: 100_000_000, duration: 60 });
const logDir = mkdtempSync(join(tmpdir(), 'opencx-floor-'));
const log = openSync(join(logDir, 'log'), 'w');
// Unlinked at once: the open descriptor keeps the file writable, and nothing is left behind
// however this process ends (the bench stops it with a signal).
rmSync(logDir, { recursive: true, force: true });
const answer = JSON.stringify({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdGNfMSJ9.c2ln', contact: { id: 'ctc_1' } });

function send(response) {
  response.statusCode = 201;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.setHeader('content-length', Buffer.byteLength(answer));
  response.end(answer);
}

async function withFeatures(request, response) {
  const requestId = randomUUID();
  response.setHeader('x-request-id', requestId);
  const started = process.hrtime.bigint();
  response.once('finish', () => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const message = {
      msg: 'request',
      method: request.method,
      route: '/v1/contacts/authenticate',
      status: response.statusCode,
      durationMs,
      requestId,
    };
    writeSync(
      log,
      `${JSON.stringify({ level: 'log', pid: process.pid, timestamp: Date.now(), message, context: 'HTTP' })}\n`,
    );
  });
  for (const [name, value] of headers) response.setHeader(name, value);
  const counted = await limiter.consume(request.headers['x-api-key'] ?? 'anonymous');
  response.setHeader('x-ratelimit-limit', '100000000');
  response.setHeader('x-ratelimit-remaining', String(100_000_000 - counted.consumedPoints));
  response.setHeader('x-ratelimit-reset', String(Math.ceil(counted.msBeforeNext / 1000)));
  send(response);
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    // Parsed as the apps parse it, so that both sides do the same work outside the features.
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (features) void withFeatures(request, response);
    else send(response);
  });
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
