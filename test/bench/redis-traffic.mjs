// Measure 8: what the library sends to Redis, through a real redis-server. Each instance gets its
// own node-redis connection wrapped in a counter that records every script run (by SHA or by
// source) with its exact request size in RESP, and which keys it touched: the fleet's heartbeat is
// told apart from a call's work by its `{fleet}` keys. The server's own count of bytes received
// (INFO stats `total_net_input_bytes`) is read beside it, so the counter is checked, not trusted.
//
// Rows: commands and bytes per cache hit (a token in Redis, and its contact's note), per miss (look-up, slot, store, note),
// and per idle second per instance once it has seen many limiter keys (per-call API keys).
import { NestFactory } from '@nestjs/core';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { createClient } from 'redis';
import { startRedis } from '../support/redis-server.mjs';
import { fmt, QUICK, row, scale, startChild } from './lib.mjs';

/** Per-call API keys each idle instance has used: each its own limiter key. */
const IDLE_KEYS = 50;
/** Seconds of idleness measured (whole seconds: an instance beats once a second). */
const IDLE_SECONDS = QUICK ? 3 : 10;
const INSTANCES = 3;

/** The size of a command in RESP, as a client sends it: an array of bulk strings. */
function respBytes(words) {
  let bytes = `*${words.length}\r\n`.length;
  for (const word of words) {
    const length = Buffer.byteLength(String(word));
    bytes += `$${length}\r\n`.length + length + 2;
  }
  return bytes;
}

/**
 * A node-redis client whose scripts are counted: `log` gets every EVAL and EVALSHA with its size
 * and whether it was the heartbeat. Everything else passes through untouched.
 */
function counted(client, log) {
  const record = (command, first, { keys, arguments: args }) =>
    log.push({
      command,
      bytes: respBytes([command, first, keys.length, ...keys, ...args]),
      beat: keys.some((key) => key.includes('{fleet}')),
    });
  return new Proxy(client, {
    get(target, name) {
      if (name === 'eval') return (script, options) => (record('EVAL', script, options), target.eval(script, options));
      if (name === 'evalSha') return (sha, options) => (record('EVALSHA', sha, options), target.evalSha(sha, options));
      const value = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Bytes the server has received from every client so far, this INFO included. */
async function serverInputBytes(probe) {
  const info = await probe.info('stats');
  return Number(/total_net_input_bytes:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}

const sum = (entries) => entries.reduce((total, e) => total + e.bytes, 0);

/** The commands of `log` from `from` on: a call's work and the heartbeats apart, with their bytes. */
function tally(log, from) {
  const entries = log.slice(from);
  const work = entries.filter((e) => !e.beat);
  return {
    commands: work.length,
    bytes: sum(work),
    evals: entries.filter((e) => e.command === 'EVAL').length,
    beats: entries.length - work.length,
    allBytes: sum(entries),
  };
}

/**
 * Starts a stretch: `end()` gives what every instance's counter recorded in it beside what the
 * server received, so the reading shows the counter misses nothing.
 */
async function stretch(logs, probe) {
  const marks = logs.map((log) => log.length);
  const before = await serverInputBytes(probe);
  return async () => {
    // Less the closing INFO: the server counts a command's bytes as it reads them, before it runs.
    const received = (await serverInputBytes(probe)) - before - respBytes(['INFO', 'stats']);
    const recorded = logs.reduce((total, log, n) => total + tally(log, marks[n]).allBytes, 0);
    return `every instance's counter ${fmt(recorded)} B, the server ${fmt(received)} B`;
  };
}

async function instance(redisUrl, upstreamUrl, log) {
  const client = createClient({ url: redisUrl });
  client.on('error', () => undefined);
  await client.connect();
  const app = await NestFactory.createApplicationContext(
    OpenCxModule.forRoot({
      apiKey: 'bench-key',
      baseUrl: upstreamUrl,
      redis: counted(client, log),
      rateLimit: { perMinute: 1_000_000 },
    }),
    { logger: false, abortOnError: false },
  );
  return {
    service: app.get(ContactAuthService),
    close: async () => {
      await app.close();
      client.destroy();
    },
  };
}

const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function redisTraffic() {
  const upstream = await startChild('upstream.mjs');
  const redis = await startRedis();
  const probe = createClient({ url: redis.url });
  probe.on('error', () => undefined);
  await probe.connect();
  const instances = [];
  try {
    const logs = Array.from({ length: INSTANCES }, () => []);
    for (const log of logs) instances.push(await instance(redis.url, upstream.url, log));
    const [first] = instances;
    const log = logs[0];

    // Warm-up: each script is loaded once (NOSCRIPT, then EVAL) by the first call that needs it; the
    // last call is a hit, for the note check's script.
    for (let i = 0; i < 5; i++) await first.service.authenticateUser({ email: `warm-${i}@example.com` });
    await first.service.authenticateUser({ email: 'warm-0@example.com' });
    await settle(200);
    const loads = tally(log, 0).evals;

    const calls = scale(500);
    let mark = log.length;
    let checked = await stretch(logs, probe);
    for (let i = 0; i < calls; i++) await first.service.authenticateUser({ email: `r-${i}@example.com` });
    // The burst's last releases travel after it (batched for 20 ms): part of the misses' cost.
    await settle(200);
    const miss = tally(log, mark);
    const missServer = await checked();

    mark = log.length;
    checked = await stretch(logs, probe);
    for (let i = 0; i < calls; i++) await first.service.authenticateUser({ email: `r-${i}@example.com` });
    await settle(200);
    const hit = tally(log, mark);
    const hitServer = await checked();

    // Idle: every instance has used many limiter keys (one per API key), then does nothing.
    for (const [n, { service }] of instances.entries())
      for (let k = 0; k < IDLE_KEYS; k++)
        await service.authenticateUser({ email: `idle-${n}-${k}@example.com` }, { apiKey: `bench-key-${k}` });
    await settle(1_500);
    const marks = logs.map((l) => l.length);
    checked = await stretch(logs, probe);
    // Just under whole seconds: a heartbeat a second gives at most IDLE_SECONDS of them in it.
    await settle(IDLE_SECONDS * 1_000 - 100);
    const idleServer = await checked();
    const idle = logs.map((l, n) => tally(l, marks[n]));
    const idleCommands = Math.max(...idle.map((t) => t.commands + t.beats));
    const idleBytes = Math.max(...idle.map((t) => t.allBytes));
    const idleEvals = idle.reduce((total, t) => total + t.evals, 0);

    const perHit = hit.commands / calls;
    const hitBytes = hit.bytes / calls;
    const perMiss = miss.commands / calls;
    const missBytes = miss.bytes / calls;
    return [
      row(
        '8. Redis traffic: per cache hit',
        `${fmt(perHit, 2)} commands, ${fmt(hitBytes)} B`,
        '2 EVALSHA, ≤ 1,024 B',
        hit.commands === 2 * calls && hit.evals === 0 && hitBytes <= 1_024,
        `the look-up, then whether the contact id's note (a set of contact keys) names the token: a token is served only while it does, and the note lives in its own hash slot, so the check cannot ride in the look-up's script; by SHA, never their text; ${hit.evals} EVAL; ${calls} hits (heartbeats apart: ${hit.beats}); ${hitServer}`,
      ),
      row(
        '8. Redis traffic: per miss',
        `${fmt(perMiss, 2)} commands, ${fmt(missBytes)} B`,
        '≤ 5 EVALSHA, ≤ 3,072 B',
        perMiss <= 5 && miss.evals === 0 && missBytes <= 3_072,
        `look-up and lock, rate-limit slot, store and unlock, the contact id's note, and the slot's release when no later operation carries it; keys and numbers, and the sealed token (the largest argument); ${miss.evals} EVAL; ${calls} misses (heartbeats apart: ${miss.beats}); ${missServer}`,
      ),
      row(
        '8. Redis traffic: per idle second per instance',
        `${fmt(idleCommands / IDLE_SECONDS, 2)} commands, ${fmt(idleBytes / IDLE_SECONDS)} B`,
        '≤ 1 command, ≤ 512 B',
        idleCommands <= IDLE_SECONDS && idleEvals === 0 && idleBytes <= 512 * IDLE_SECONDS,
        `the heartbeat alone, after ${IDLE_KEYS} per-call API keys each; ${INSTANCES} instances, ${IDLE_SECONDS} s, the busiest instance; ${idleServer}; scripts loaded once at first use (${loads} EVAL)`,
      ),
    ];
  } finally {
    for (const { close } of instances) await close();
    probe.destroy();
    await redis.stop();
    upstream.child.kill();
  }
}
