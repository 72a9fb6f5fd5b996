// Measure 2: returning users. The same users again within the token's lifetime: upstream calls,
// CPU per cached answer against CPU per upstream call (an upstream that answers at once), and Redis
// round trips per hit and per miss. Also measure 7's heap per cached token in memory.
import { NestFactory } from '@nestjs/core';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { createClient } from 'redis';
import { startRedis } from '../support/redis-server.mjs';
import { fmt, gc, inRounds, median, row, scale, startChild } from './lib.mjs';

const upstreamCount = (child) =>
  new Promise((resolve) => {
    child.once('message', ({ count }) => resolve(count));
    child.send('count');
  });

async function service(options) {
  const app = await NestFactory.createApplicationContext(OpenCxModule.forRoot({ apiKey: 'bench-key', ...options }), {
    logger: false,
    // A refused option throws here instead of Nest ending the process without a word.
    abortOnError: false,
  });
  return { app, service: app.get(ContactAuthService) };
}

/** CPU microseconds per call of `calls` sequential calls. */
async function cpuPerCall(calls, call) {
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) await call(i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

export async function returning() {
  const upstream = await startChild('upstream.mjs');
  const users = scale(5_000);
  const rows = [];
  const { app, service: auth } = await service({
    baseUrl: upstream.url,
    rateLimit: false,
    cache: { maxEntries: users * 4 },
  });
  let generation = 0;
  try {
    const values = await inRounds({
      // New users each round: every call goes upstream.
      miss: () => {
        generation++;
        return cpuPerCall(users, (i) => auth.authenticateUser({ email: `m${generation}-${i}@example.com` }));
      },
      // The round's users again: every call is a cache hit.
      hit: async () => {
        await cpuPerCall(users, (i) => auth.authenticateUser({ email: `h-${i}@example.com` }));
        return cpuPerCall(users, (i) => auth.authenticateUser({ email: `h-${i}@example.com` }));
      },
    });
    const before = await upstreamCount(upstream.child);
    for (let i = 0; i < users; i++) await auth.authenticateUser({ email: `h-${i}@example.com` });
    const returningCalls = (await upstreamCount(upstream.child)) - before;
    const ratio = median(values.miss) / median(values.hit);
    const hitCpu = median(values.hit);
    rows.push(
      row(
        '2. returning users: CPU per cached answer',
        `${fmt(hitCpu, 1)} µs`,
        '≤ 25 µs',
        hitCpu <= 25,
        'in memory, telemetry on without an SDK; median of rounds',
      ),
      row(
        '2. returning users: upstream calls',
        String(returningCalls),
        '0',
        returningCalls === 0,
        `${fmt(users)} users asked again`,
      ),
      row(
        '2. returning users: CPU of a miss / CPU of a hit',
        `${fmt(ratio, 1)}×`,
        '≥ 25×',
        ratio >= 25,
        `${fmt(median(values.miss), 1)} µs per upstream call, ${fmt(median(values.hit), 1)} µs per cached answer`,
      ),
    );
  } finally {
    await app.close();
  }

  // Heap per cached token, in memory.
  const heap = await service({ baseUrl: upstream.url, rateLimit: false, cache: { maxEntries: 100_000 } });
  try {
    const tokens = scale(20_000);
    for (let i = 0; i < 200; i++) await heap.service.authenticateUser({ email: `warm-${i}@example.com` });
    gc();
    const start = process.memoryUsage().heapUsed;
    for (let i = 0; i < tokens; i++) await heap.service.authenticateUser({ email: `heap-${i}@example.com` });
    gc();
    const perToken = (process.memoryUsage().heapUsed - start) / tokens;
    rows.push(
      row(
        '7. memory: heap per cached token',
        `${fmt(perToken)} B`,
        '≤ 1024 B',
        perToken <= 1024,
        `${fmt(tokens)} contacts cached`,
      ),
    );
  } finally {
    await heap.app.close();
  }

  // Redis round trips, counted on the connection the library is given.
  const redis = await startRedis();
  const client = createClient({ url: redis.url });
  await client.connect();
  let trips = 0;
  const counted = {
    eval: (script, options) => (trips++, client.eval(script, options)),
    sendCommand: client.sendCommand.bind(client),
  };
  const fleet = await service({ baseUrl: upstream.url, redis: counted, rateLimit: { perMinute: 1_000_000 } });
  try {
    const calls = scale(500);
    trips = 0;
    for (let i = 0; i < calls; i++) await fleet.service.authenticateUser({ email: `r-${i}@example.com` });
    const perMiss = trips / calls;
    // The last slot's release travels alone after the limiter's margin (a second a minute) unless
    // another operation carries it first: counted apart, once the burst is over.
    trips = 0;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const flushes = trips;
    trips = 0;
    for (let i = 0; i < calls; i++) await fleet.service.authenticateUser({ email: `r-${i}@example.com` });
    const perHit = trips / calls;
    rows.push(
      row(
        '2. returning users, Redis: round trips per hit',
        fmt(perHit, 2),
        '2',
        perHit === 2,
        "look-up, then the contact id's note (a token is served only while its note names it)",
      ),
      row(
        '2. returning users, Redis: round trips per miss',
        fmt(perMiss, 2),
        '≤ 4',
        perMiss <= 4,
        `look-up (and lock), rate-limit slot (carrying earlier slots' releases), store (and unlock), contact id's note (for deleteContact); ${flushes} release sent alone after the ${calls} misses`,
      ),
    );
  } finally {
    await fleet.app.close();
    client.destroy();
    await redis.stop();
    upstream.child.kill();
  }
  return rows;
}
