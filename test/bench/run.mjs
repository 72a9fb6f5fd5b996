// `npm run bench`: bounded measurements on loopback that stop by themselves. Every figure is a ratio
// of A and B measured in the same run, interleaved, as the median of several rounds. Prints a table,
// writes it with the machine's description to docs/benchmarks.md, and ends with
// `bench: N goals met, M not met`.
import { fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HttpService } from '@nestjs/axios';
import { NestFactory } from '@nestjs/core';
import autocannon from 'autocannon';
import axios from 'axios';
import { ContactAuthService, OpenCxModule } from 'nestjs-opencx';
import { firstValueFrom } from 'rxjs';
import { Pool } from 'undici';
import { cpuByPart } from './endpoint-profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const QUICK = process.env.BENCH_QUICK === '1';
const scale = (n) => (QUICK ? Math.ceil(n / 10) : n);
const PATH = '/widget/authenticate-user';
const API_KEY = 'bench-key';
/** The key the sample app (and the core-path app) accept in `x-api-key`. */
const SERVICE_KEY = 'bench_service_key_0123456789';
const PAYLOAD = { email: 'bench@example.com', name: 'Bench User', language: 'en' };
let sequence = 0;
/**
 * A different user per call: identical concurrent calls would share one upstream request
 * (single-flight), which is not the transport cost this measures.
 */
const nextPayload = () => ({ ...PAYLOAD, email: `bench-${sequence++ % 100_000}@example.com` });
const HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const children = [];
process.on('exit', () => children.forEach((c) => c.kill()));

/** Forks a helper script that answers `process.send({ port })` once it listens. */
function startChild(script, env, execArgv = []) {
  const child = fork(join(here, script), { env: { ...process.env, ...env }, stdio: 'ignore', execArgv });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ url: `http://127.0.0.1:${port}`, child }));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
}

/**
 * Starts the built sample app pointed at `upstream`. Its log goes to a file, as a deployed app's
 * stdout would go to a collector: through a pipe, this process (which is also the load generator)
 * would spend its own CPU reading every request's log line, slowing the sample's measure only.
 */
async function startSampleApp(upstream, execArgv = []) {
  const logDir = mkdtempSync(join(tmpdir(), 'opencx-bench-'));
  const logFile = join(logDir, 'sample.log');
  const child = spawn(process.execPath, [...execArgv, join(root, 'dist/apps/sample/main.js')], {
    env: {
      PATH: process.env.PATH,
      OPENCX_API_KEY: API_KEY,
      OPENCX_BASE_URL: upstream,
      SAMPLE_API_KEYS: SERVICE_KEY,
      JWT_SECRET: 'bench_jwt_secret_0123456789abcdef0123456789',
      THROTTLE_LIMIT: '100000000',
      // The bare handler neither caches nor limits: compare like with like.
      OPENCX_CACHE_TTL_MS: '0',
      OPENCX_RATE_LIMIT: '0',
      LOG_FORMAT: 'json',
      PORT: '0',
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', openSync(logFile, 'w'), 'ignore'],
  });
  children.push(child);
  child.once('exit', () => rmSync(logDir, { recursive: true, force: true }));
  for (let waited = 0; waited < 30_000; waited += 50) {
    if (child.exitCode !== null) throw new Error(`sample app exited (${child.exitCode})`);
    const match = /Listening on (http:\/\/[\d.]+:\d+)/.exec(readFileSync(logFile, 'utf8'));
    if (match) return { url: match[1], child };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('sample app did not start within 30 s');
}

/** Runs `calls` calls of `fn` with `concurrency` in flight; returns calls per second. */
async function drive(fn, calls, concurrency) {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) await fn();
    }),
  );
  return calls / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** `count` rounds, each running every contender once, back to back, in a rotated order; each round's results by name. */
async function inRounds(contenders, count, run) {
  const rounds = [];
  for (let round = 0; round < count; round++) {
    const result = {};
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + round) % contenders.length];
      result[contender.name] = await run(contender);
    }
    rounds.push(result);
  }
  return rounds;
}

/** {@link inRounds} over `ROUNDS` rounds; returns the median per contender. */
async function interleaved(contenders, run) {
  const rounds = await inRounds(contenders, ROUNDS, run);
  return Object.fromEntries(contenders.map(({ name }) => [name, median(rounds.map((round) => round[name]))]));
}

/** The median over rounds of `a / b` (of `value` of each), each ratio from one round, and their spread. */
function pairedRatio(rounds, a, b, value = (result) => result) {
  const ratios = rounds.map((round) => value(round[a]) / value(round[b]));
  return { ratio: median(ratios), spread: `${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}` };
}

const rows = [];
const goal = (measure, value, target, met) => rows.push({ measure, value, goal: target, met });

async function serviceFor(baseUrl, cache = false) {
  const app = await NestFactory.createApplicationContext(
    OpenCxModule.forRoot({ apiKey: API_KEY, baseUrl, cache: cache ? {} : false, rateLimit: false }),
    { logger: false },
  );
  return { app, service: app.get(ContactAuthService) };
}

// 1. Client throughput against an upstream that answers at once.
async function clientThroughput() {
  const upstream = await startChild('upstream.mjs', { DELAY_MS: '0' });
  const url = `${upstream.url}${PATH}`;
  const pool = new Pool(upstream.url);
  const byHand = new HttpService(
    // oxlint-disable-next-line import/no-named-as-default-member
    axios.create({ httpAgent: new HttpAgent({ keepAlive: true }) }),
  );
  const { app, service } = await serviceFor(upstream.url);
  const contenders = [
    { name: 'ContactAuthService', fn: () => service.authenticateUser(nextPayload()) },
    {
      name: 'raw undici Pool',
      fn: async () => {
        const response = await pool.request({
          path: PATH,
          method: 'POST',
          headers: HEADERS,
          body: JSON.stringify(nextPayload()),
        });
        return response.body.json();
      },
    },
    {
      name: 'HttpService by hand (keep-alive agent)',
      fn: () => firstValueFrom(byHand.post(url, nextPayload(), { headers: { authorization: `Bearer ${API_KEY}` } })),
    },
    {
      name: 'global fetch',
      fn: () =>
        fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(nextPayload()) }).then((r) => r.json()),
    },
  ];
  for (const c of contenders) await drive(c.fn, scale(2_000), 64);
  const rps = await interleaved(contenders, (c) => drive(c.fn, scale(20_000), 64));
  // The goal's ratio from rounds of just the two, back to back (order alternating): the four-way
  // rounds last a minute, long enough for the machine's speed to change between two contenders.
  const rounds = await inRounds(contenders.slice(0, 2), QUICK ? 3 : 7, (c) => drive(c.fn, scale(20_000), 64));
  const s = rps.ContactAuthService;
  const b = rps['HttpService by hand (keep-alive agent)'];
  const c = rps['global fetch'];
  console.log(
    'client throughput (calls/s, median):',
    Object.entries(rps)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join('; '),
  );
  const { ratio, spread } = pairedRatio(rounds, 'ContactAuthService', 'raw undici Pool');
  goal(
    `1. service / raw undici Pool (throughput, c=64, median of ${rounds.length} paired rounds)`,
    `${fmt(ratio, 2)} (rounds ${spread}; medians ${fmt(median(rounds.map((r) => r.ContactAuthService)))} vs ` +
      `${fmt(median(rounds.map((r) => r['raw undici Pool'])))} calls/s)`,
    '≥ 0.5',
    ratio >= 0.5,
  );
  goal('1. service / HttpService by hand', `${fmt(s / b, 2)} (${fmt(b)} calls/s)`, '> 1', s > b);
  goal('1. service / global fetch', `${fmt(s / c, 2)} (${fmt(c)} calls/s)`, '> 1', s > c);
  await app.close();
  await pool.close();
  return upstream;
}

// 2. Latency-bound: the upstream takes 50 ms; how close to Little's law's bound do we get?
async function latencyBound() {
  const upstream = await startChild('upstream.mjs', { DELAY_MS: '50' });
  const { app, service } = await serviceFor(upstream.url);
  const bound = 256 / 0.05;
  await drive(() => service.authenticateUser(nextPayload()), scale(2_000), 256);
  const rps = await interleaved([{ name: 'service', fn: () => service.authenticateUser(nextPayload()) }], (c) =>
    drive(c.fn, scale(10_000), 256),
  );
  const fraction = rps.service / bound;
  goal(
    "2. latency-bound (50 ms, c=256): fraction of Little's-law bound",
    `${fmt(fraction, 2)} (${fmt(rps.service)} of ${fmt(bound)} calls/s)`,
    '≥ 0.9',
    fraction >= 0.9,
  );
  await app.close();
  upstream.child.kill();
}

// 3. The sample app end to end vs a bare Nest handler forwarding with raw undici.
/** CPU time (user + system) a process has used, in µs, from /proc (Linux; undefined elsewhere). */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return undefined;
  }
}

/** One autocannon run of `duration` seconds against the endpoint, each request for a different user. */
const hitEndpoint = (url, headers, duration) =>
  new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${url}/v1/contacts/authenticate`,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        // A different user per request, as in the client measures.
        requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify(nextPayload()) }) }],
        connections: 64,
        duration,
      },
      (error, result) =>
        error
          ? reject(error)
          : result.non2xx > 0
            ? reject(new Error(`${url}: ${result.non2xx} non-2xx answers`))
            : resolve(result),
    ),
  );

/** One autocannon run against a server: requests per second, and the server process's CPU per request (µs). */
async function loadOnce({ pid, url, headers }, duration) {
  const before = cpuMicros(pid);
  const result = await hitEndpoint(url, headers, duration);
  const after = cpuMicros(pid);
  const cpu = before !== undefined && after !== undefined ? (after - before) / result.requests.total : undefined;
  return { rps: result.requests.total / duration, cpu };
}

async function endToEnd(upstream) {
  const sample = await startSampleApp(upstream.url);
  const core = await startChild('core-app.mjs', {
    UPSTREAM_URL: upstream.url,
    OPENCX_API_KEY: API_KEY,
    SERVICE_KEY,
  });
  const bare = await startChild('bare-app.mjs', { UPSTREAM_URL: upstream.url });
  const servers = {
    sample: { pid: sample.child.pid, url: sample.url, headers: { 'x-api-key': SERVICE_KEY } },
    core: { pid: core.child.pid, url: core.url, headers: { 'x-api-key': SERVICE_KEY } },
    bare: { pid: bare.child.pid, url: bare.url, headers: {} },
  };
  const names = Object.keys(servers);
  const measure = (name, duration) => loadOnce(servers[name], duration);
  // Warm each up (JIT, connection pools) before anything counts.
  for (const name of names) await measure(name, 1);
  // These machines' speed drifts by tens of percent within a minute: each round measures all three
  // back to back (order rotating) and yields one ratio per app; a figure is the median of those ratios.
  const duration = QUICK ? 1 : 2;
  const rounds = await inRounds(
    names.map((name) => ({ name })),
    QUICK ? 3 : Math.max(ROUNDS, 9),
    ({ name }) => measure(name, duration),
  );
  const medianOf = (name, key) => median(rounds.map((round) => round[name][key]));
  const describe = (name) => {
    const { ratio, spread } = pairedRatio(rounds, name, 'bare', (result) => result.rps);
    const measured = rounds.filter((round) => round[name].cpu !== undefined && round.bare.cpu !== undefined);
    const cpuNote =
      measured.length > 0
        ? `; server CPU ${fmt(median(measured.map((round) => round[name].cpu)))} vs ` +
          `${fmt(median(measured.map((round) => round.bare.cpu)))} µs/request, ` +
          `ratio ${fmt(pairedRatio(measured, 'bare', name, (result) => result.cpu).ratio, 2)}`
        : '';
    return `${fmt(ratio, 2)} (rounds ${spread}; ${fmt(medianOf(name, 'rps'))} vs ${fmt(medianOf('bare', 'rps'))} req/s${cpuNote})`;
  };
  const ratio = pairedRatio(rounds, 'sample', 'bare', (result) => result.rps).ratio;
  goal(
    `3. sample app / bare Nest handler (autocannon, 64 connections, median of ${rounds.length} paired rounds)`,
    describe('sample'),
    '≥ 0.8',
    ratio >= 0.8,
  );
  rows.push({
    measure: "3. the same endpoint with only the sample's API-key guard, validation pipe and filter / bare",
    value: describe('core'),
    goal: 'report',
    met: null,
  });
  for (const server of [sample, core, bare]) server.child.kill();
  return {
    sample: ratio,
    core: pairedRatio(rounds, 'core', 'bare', (result) => result.rps).ratio,
    ...Object.fromEntries(
      names.map((name) => [
        `${name}Cpu`,
        median(rounds.map((round) => round[name].cpu).filter((cpu) => cpu !== undefined)),
      ]),
    ),
  };
}

/**
 * The least the sample's log line, security headers and throttling can cost: the same three written
 * by hand on a raw `node:http` server (feature-floor.mjs), measured side by side with that server
 * without them. Returns the median over rounds of the difference in CPU per request (µs).
 */
async function featureFloor() {
  const servers = {};
  for (const [name, features] of [
    ['with', '1'],
    ['without', '0'],
  ]) {
    const { url, child } = await startChild('feature-floor.mjs', { FEATURES: features });
    servers[name] = { pid: child.pid, url, headers: { 'x-api-key': SERVICE_KEY }, child };
  }
  const names = Object.keys(servers);
  for (const name of names) await loadOnce(servers[name], 1);
  const rounds = await inRounds(
    names.map((name) => ({ name })),
    QUICK ? 3 : 7,
    ({ name }) => loadOnce(servers[name], QUICK ? 1 : 2),
  );
  for (const name of names) servers[name].child.kill();
  const measured = rounds.filter((round) => round.with.cpu !== undefined && round.without.cpu !== undefined);
  if (measured.length === 0) return undefined;
  const costs = measured.map((round) => round.with.cpu - round.without.cpu);
  const floor = median(costs);
  rows.push({
    measure: '3. floor of the log line, security headers and throttling: written by hand on raw node:http, CPU added',
    value: `${fmt(floor, 1)} µs/request (rounds ${fmt(Math.min(...costs), 1)}–${fmt(Math.max(...costs), 1)}; ${fmt(median(measured.map((r) => r.without.cpu)), 1)} µs without them)`,
    goal: 'report',
    met: null,
  });
  return floor;
}

/**
 * Where measure 3's time goes: the sample and the bare handler each run once more under
 * `--cpu-prof` (100 µs sampling), and their CPU per request is split into parts.
 */
async function endpointProfile(upstream) {
  const names = ['sample', 'bare'];
  const servers = {};
  for (const name of names) {
    const dir = join(root, 'test-results/profile-endpoint', name);
    rmSync(dir, { recursive: true, force: true });
    const execArgv = ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${dir}`];
    const started = performance.now();
    const server =
      name === 'sample'
        ? await startSampleApp(upstream.url, execArgv)
        : await startChild('bare-app.mjs', { UPSTREAM_URL: upstream.url }, execArgv);
    const headers = name === 'sample' ? { 'x-api-key': SERVICE_KEY } : {};
    servers[name] = { ...server, dir, started, headers, windows: [], requests: 0, cpu: 0 };
    await hitEndpoint(server.url, headers, 1);
  }
  // Alternating short loads, so that the machine's drift touches both profiles alike.
  for (let round = 0; round < (QUICK ? 1 : 4); round++) {
    for (const name of round % 2 === 0 ? names : names.toReversed()) {
      const server = servers[name];
      const from = (performance.now() - server.started) * 1000;
      const cpuBefore = cpuMicros(server.child.pid) ?? 0;
      const run = await hitEndpoint(server.url, server.headers, QUICK ? 1 : 1.5);
      server.cpu += (cpuMicros(server.child.pid) ?? 0) - cpuBefore;
      server.windows.push([from, (performance.now() - server.started) * 1000]);
      server.requests += run.requests.total;
    }
  }
  const result = {};
  for (const name of names) {
    const server = servers[name];
    // Both end through process.exit() on SIGINT, which is when Node writes the profile.
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGINT');
    await exited;
    const file = readdirSync(server.dir).find((f) => f.endsWith('.cpuprofile'));
    const parts = cpuByPart(join(server.dir, file), server.windows, server.requests);
    // The profiler's clock is the wall clock: time the process waited for a core (three processes
    // share two here) is charged to whatever it was doing. Scaled so the parts add up to the CPU
    // time the process really used in the same windows; without /proc, left as profiled.
    const profiled = [...parts.values()].reduce((a, b) => a + b, 0);
    const toCpu = server.cpu > 0 ? server.cpu / server.requests / profiled : 1;
    result[name] = new Map([...parts].map(([part, micros]) => [part, micros * toCpu]));
  }
  const parts = [...new Set([...result.sample.keys(), ...result.bare.keys()])];
  const total = (name) => [...result[name].values()].reduce((a, b) => a + b, 0);
  return [
    ...parts
      .map((part) => ({ part, sample: result.sample.get(part) ?? 0, bare: result.bare.get(part) ?? 0 }))
      .toSorted((a, b) => b.sample - b.bare - (a.sample - a.bare)),
    { part: '**total**', sample: total('sample'), bare: total('bare') },
  ];
}

/**
 * RSS and heap in MB after full GCs. The RSS right after a load still holds pages V8 and the
 * allocator give back a little later (one run read 46 MB of "growth" that a second look 100 ms
 * on did not show), so it is the lowest of five readings 100 ms apart, each after a GC.
 */
async function snapshot() {
  let rss = Infinity;
  for (let reading = 0; reading < 5; reading++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
    rss = Math.min(rss, process.memoryUsage().rss);
  }
  gc();
  return { rss: rss / 2 ** 20, heap: process.memoryUsage().heapUsed / 2 ** 20 };
}
/** Which package (or part of Node) a profiled function belongs to. */
const area = (url) => {
  if (!url) return '(native / idle / GC)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.includes('libs/opencx')) return 'nestjs-opencx';
  if (url.startsWith('node:')) return `node core (${url.replace('node:internal/', '').split('/')[0]})`;
  return url;
};
/** Asks the upstream child how many requests it has answered. */
function upstreamCount(upstream) {
  return new Promise((resolve) => {
    upstream.child.once('message', ({ count }) => resolve(count));
    upstream.child.send('count');
  });
}

// 4. The token cache: hits versus the uncached path, and the upstream calls it saves.
async function cacheHits(upstream) {
  const cached = await serviceFor(upstream.url, true);
  const uncached = await serviceFor(upstream.url, false);
  const users = 100;
  let i = 0;
  const payload = () => ({ ...PAYLOAD, email: `user-${i++ % users}@example.com` });
  const contenders = [
    { name: 'cached', fn: () => cached.service.authenticateUser(payload()) },
    { name: 'uncached', fn: () => uncached.service.authenticateUser(payload()) },
  ];
  for (const c of contenders) await drive(c.fn, scale(2_000), 64);
  const before = await upstreamCount(upstream);
  const calls = scale(20_000);
  const hitStart = process.hrtime.bigint();
  await drive(contenders[0].fn, calls, 64);
  const cachedSeconds = Number(process.hrtime.bigint() - hitStart) / 1e9;
  const upstreamCalls = (await upstreamCount(upstream)) - before;
  const rps = await interleaved(contenders, (c) => drive(c.fn, calls, 64));
  rows.push({
    measure: `4. cache-hit path vs uncached (${users} users, c=64)`,
    value:
      `${fmt(rps.cached / rps.uncached, 1)}× (${fmt(rps.cached)} vs ${fmt(rps.uncached)} calls/s); ` +
      `${fmt(calls)} cached calls made ${upstreamCalls} upstream calls in ${fmt(cachedSeconds, 1)} s (${fmt(calls - upstreamCalls)} saved)`,
    goal: 'report',
    met: null,
  });
  await cached.app.close();
  await uncached.app.close();
}

// 5. Memory after 200,000 calls versus after 10,000.
async function memory(upstream) {
  const { app, service } = await serviceFor(upstream.url);

  await drive(() => service.authenticateUser(nextPayload()), scale(10_000), 64);
  const early = await snapshot();
  await drive(() => service.authenticateUser(nextPayload()), scale(190_000), 64);
  const late = await snapshot();
  const growth = Math.max(late.rss - early.rss, late.heap - early.heap);
  goal(
    '5. memory growth, 200,000 calls vs 10,000 (max of RSS and heap)',
    `${fmt(growth, 1)} MB (RSS ${fmt(early.rss)} → ${fmt(late.rss)} MB, heap ${fmt(early.heap, 1)} → ${fmt(late.heap, 1)} MB)`,
    '< 20 MB',
    growth < 20,
  );
  await app.close();
}

/** Runs the service under --cpu-prof in a child and lists the functions with the most self time. */
async function profile(upstream) {
  const dir = join(root, 'test-results/profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, join(here, 'service-load.mjs')], {
      env: { ...process.env, UPSTREAM_URL: upstream.url, CALLS: String(scale(50_000)) },
      stdio: 'ignore',
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`profile run exited ${code}`))));
  });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  const { nodes, samples } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const hits = new Map(nodes.map((n) => [n.id, 0]));
  for (const id of samples) hits.set(id, hits.get(id) + 1);
  const byArea = new Map();

  for (const node of nodes) {
    const key = area(node.callFrame.url);
    byArea.set(key, (byArea.get(key) ?? 0) + hits.get(node.id));
  }
  const total = samples.length;
  return [...byArea]
    .toSorted((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, n]) => ({ area: name, share: `${fmt((100 * n) / total, 1)}%` }));
}

/** What docs/benchmarks.md says of measure 3, from this run's two ratios. */
function goalThreeReading({ sample, core, sampleCpu, coreCpu, bareCpu }, parts, floor) {
  /** What the goal leaves the three features in CPU per request (µs), when /proc gave every figure. */
  const budget = coreCpu !== undefined && bareCpu !== undefined ? bareCpu / 0.8 - coreCpu : undefined;
  const extras = parts.filter(({ part }) => ['request log', 'security headers', 'throttling'].includes(part));
  const costs = extras.map(({ sample: micros }) => micros);
  const range = costs.length === 3 ? `${fmt(Math.min(...costs))}–${fmt(Math.max(...costs))}` : 'some';
  const bareNote = bareCpu === undefined ? '' : ` that needs about ${fmt(bareCpu)} µs of CPU per request in all`;
  const verdict =
    sample >= 0.8
      ? [`- Goal 3 is met (${fmt(sample, 2)}).`]
      : [
          `- Goal 3 is not met (${fmt(sample, 2)}). The endpoint with only what measure 3 names (the sample's`,
          "  API-key guard, its validation pipe, the library's service and exception filter) reaches",
          `  ${fmt(core, 2)} of the bare handler in the same rounds${core >= 0.8 ? ', above the goal' : ''}.`,
        ];
  return [
    ...verdict,
    "  The difference between the two rows is what the sample's own issue requires on top of that: one JSON log line",
    "  per request, helmet's security headers and per-caller throttling with `@nestjs/throttler` (its counter and its",
    '  three `X-RateLimit-*` headers).',
    `  The table above shows each costing ${range} µs of CPU per request directly (profiled), plus their share of`,
    "  Express's work (two more middleware layers, eleven more response headers to serialise) and of garbage",
    `  collection, against a bare handler${bareNote}.`,
    ...(budget !== undefined && sampleCpu !== undefined
      ? [
          `  In CPU per request (the same rounds' medians), the goal leaves the sample ${fmt(bareCpu / 0.8)} µs against the`,
          `  bare handler's ${fmt(bareCpu)}; the core path alone uses ${fmt(coreCpu)}, so the three features would have to`,
          `  cost ${budget > 0 ? `${fmt(budget)} µs or less` : 'nothing, or less'} together. They cost about ${fmt(sampleCpu - coreCpu)}.`,
        ]
      : []),
    ...(floor === undefined
      ? []
      : [
          `  Written by hand on a raw \`node:http\` server, with no framework or library work around them (the row`,
          `  "floor" above), the same three still add ${fmt(floor, 1)} µs of CPU per request: the floor of what they cost.`,
          ...(budget === undefined
            ? []
            : budget < floor
              ? [
                  `  That is more than the ${fmt(Math.max(budget, 0))} µs the goal leaves them, before any framework or library work.`,
                ]
              : [
                  `  That fits in the ${fmt(budget)} µs the goal leaves them: the framework's and libraries' work is what does not.`,
                ]),
        ]),
    '  Closing the gap means removing features the sample exists to demonstrate; we chose not to.',
    "- Made cheaper for this measure: `@nestjs/throttler`'s default storage (a timestamp per hit, all filtered on every",
    "  request) replaced by an O(1) fixed window (0.38 to 0.6); OWASP's REST header set on JSON answers instead of",
    "  helmet's HTML defaults, read from helmet once at start-up and copied onto each answer (helmet runs a dozen",
    '  nested middleware and rebuilds its CSP string per request), and no ETag; the service skips re-validating a',
    '  DTO the pipe validated and nothing',
    "  changed; a `JSON.stringify` fast path for the log's flat records (Nest 12 runs a replacer on every value);",
    '  one-shot SHA-256 in the API-key guard with caller ids computed once per key, and throttler keys without a',
    "  SHA-256 per request. Writing the log asynchronously in batches (pino's `sonic-boom`) was tried and dropped: a",
    '  blocking write of one line costs about 2 µs in isolation, and the batches saved no CPU measurable here.',
    "- The measure itself: these machines' speed drifts by tens of percent within a minute (single medians of the",
    '  same code ranged 0.54–0.72), so each round measures the apps back to back and the figure is the median of the',
    "  rounds' ratios; the sample's log goes to a file, not to a pipe the load generator would have to drain.",
  ];
}

/** The endpoint profile as a Markdown table. */
const partsTable = (parts) => [
  '| part | sample app (µs/request) | bare handler (µs/request) | difference |',
  '| --- | --- | --- | --- |',
  ...parts.map(
    ({ part, sample, bare }) =>
      `| ${part} | ${fmt(sample, 1)} | ${fmt(bare, 1)} | ${sample - bare >= 0 ? '+' : ''}${fmt(sample - bare, 1)} |`,
  ),
];

const startedAt = Date.now();
if (process.env.BENCH_ONLY === 'e2e' || process.env.BENCH_ONLY === 'client') {
  // For quick experiments: only measure 3 (the sample app) or 1 (the client), print it, and stop.
  if (process.env.BENCH_ONLY === 'e2e') {
    const upstream = await startChild('upstream.mjs', { DELAY_MS: '0' });
    await endToEnd(upstream);
    await featureFloor();
    console.log(partsTable(await endpointProfile(upstream)).join('\n'));
  } else (await clientThroughput()).child.kill();
  console.log(rows.map((r) => `${r.measure}: ${r.value}`).join('\n'));
  process.exit(0);
}
const upstream = await clientThroughput();
await latencyBound();
const endpoint = await endToEnd(upstream);
const floor = await featureFloor();
const endpointParts = await endpointProfile(upstream);
await cacheHits(upstream);
await memory(upstream);
const hotspots = await profile(upstream);
upstream.child.kill();

const met = rows.filter((r) => r.met === true).length;
const notMet = rows.filter((r) => r.met === false).length;
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${fmt(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const table = [
  '| measure | value | goal | met |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.measure} | ${r.value} | ${r.goal} | ${r.met === null ? 'n/a' : r.met ? 'yes' : 'no'} |`),
];
const profileTable = [
  '| where | share of CPU samples |',
  '| --- | --- |',
  ...hotspots.map((h) => `| ${h.area} | ${h.share} |`),
];
console.log(
  `\n${table.join('\n')}\n\nWhere the service's time goes (--cpu-prof, ${scale(50_000)} calls):\n${profileTable.join('\n')}\n`,
);
// BENCH_OUT: where the report goes instead (the smoke run in `npm test` must not rewrite the docs).
const reportFile = process.env.BENCH_OUT ?? join(root, 'docs/benchmarks.md');
mkdirSync(dirname(reportFile), { recursive: true });
writeFileSync(
  reportFile,
  [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`test/bench/run.mjs`). Every figure is measured in the same run as what it is',
    `compared with, the contenders interleaved in rotated order, as the median of ${ROUNDS} rounds. The goal ratios of`,
    'measures 1 and 3 come from rounds that measure just the contenders compared, back to back, as the median of',
    "those rounds' own ratios (7 and 9 rounds): these machines' speed drifts by tens of percent within a minute.",
    'Upstreams are minimal fixed-answer servers in their own process on 127.0.0.1; nothing leaves the machine.',
    '',
    `Machine: ${machine}. Run: ${new Date().toISOString()}${QUICK ? ' (BENCH_QUICK: a tenth of the calls)' : ''}, ${Math.round((Date.now() - startedAt) / 1000)} s.`,
    '',
    ...table,
    '',
    `## Where the service's time goes`,
    '',
    `CPU profile (\`--cpu-prof\`) of \`ContactAuthService.authenticateUser\`, ${scale(50_000)} calls at concurrency 64, by package:`,
    '',
    ...profileTable,
    '',
    "## Where the sample app's time goes",
    '',
    'The sample app and the bare handler each run once more under `--cpu-prof` (100 µs sampling), loaded in',
    "alternation; each one's CPU time per request, split by the innermost frame of the sample's own code or of a",
    "package (Node's own functions count for their caller), sorted by the difference. The profiler times samples",
    'by the wall clock, so a process waiting for a core has that wait charged to whatever it was doing: each',
    "side's parts are scaled to add up to the CPU time the process used in the same windows (from /proc). A",
    'part is an estimate to a few µs; profiling itself inflates both sides.',
    '',
    ...partsTable(endpointParts),
    '',
    '## Reading the numbers',
    '',
    "- Goal 1 is reached by the transport (undici under the module's `HttpService` through an axios adapter, and a",
    '  direct path to the same dispatcher when no axios interceptors are installed) and by a validation fast path:',
    "  valid input is confirmed by running class-validator's own constraint instances, read once from its metadata,",
    '  and only input that is not certainly valid goes through `validateSync` (8.7 to 3.6 µs per call; the client went',
    '  from 0.47 to 0.53–0.68 of raw undici across runs). A property-based test checks the fast path never passes what',
    '  class-validator refuses.',
    ...goalThreeReading(endpoint, endpointParts, floor),
    '',
  ].join('\n'),
);
console.log(`bench: ${met} goals met, ${notMet} not met`);
process.exit(0);
