import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { spawn } from './processes.mjs';

/** Debian's redis-server, which `.ci/run` installs. */
export const REDIS_SERVER = '/usr/bin/redis-server';

/**
 * `describe`, or `describe.skip` where redis-server is missing. In CI the suites are required:
 * `.ci/run` installs redis-server, so a missing binary fails the run instead.
 */
export function describeWithRedis(suite) {
  if (existsSync(REDIS_SERVER)) return describe;
  const message = `\n*** SKIPPED: ${suite}: ${REDIS_SERVER} is missing (apt-get install -y redis-server). ***\n`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(message);
  return describe.skip;
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs one command on a fresh connection, closed after. */
async function withClient(url, use) {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
}

/** The process id of the server answering at `url`, or undefined when none answers. */
async function answeringPid(url) {
  try {
    return await withClient(url, async (client) => Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]));
  } catch {
    return undefined;
  }
}

/** Longest a server may take to answer after it was spawned, on a busy machine. */
const START_TIMEOUT_MS = 20_000;

/**
 * Spawns redis-server on `port` and resolves once that process (not another one still on the port)
 * answers. Its exit is watched from the moment it is spawned, so a server that dies while starting
 * fails the start at once, and stopping one that already died never waits.
 */
async function launch(port, extraArgs) {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: 'ignore' },
  );
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  // A failed spawn (no binary) also ends in 'exit' or 'error'; either way it is not running.
  child.once('error', () => undefined);
  const url = `redis://127.0.0.1:${port}`;
  const running = () => child.exitCode === null && child.signalCode === null;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (running() && Date.now() < deadline) {
    if ((await answeringPid(url)) === child.pid) return { child, exited };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Never leave a server behind: jest would wait for it forever.
  child.kill('SIGKILL');
  await exited;
  throw new Error(
    running()
      ? `redis-server did not answer on port ${port} in ${START_TIMEOUT_MS} ms`
      : `redis-server exited while starting on port ${port}`,
  );
}

/** Kills `server` (continued first if frozen) and waits until it has gone. */
async function kill(server) {
  server.child.kill('SIGCONT');
  server.child.kill('SIGKILL');
  await server.exited;
}

/**
 * Starts a throw-away redis-server on a free loopback port and waits until it answers. Restarts and
 * stops happen one at a time, in the order asked: two restarts close together start one server
 * after the other, never two at once.
 */
export async function startRedis(extraArgs = []) {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server = await launch(port, extraArgs);
  let queue = Promise.resolve();
  const serial = (change) => {
    const next = queue.then(change);
    queue = next.catch(() => undefined);
    return next;
  };
  const stop = () => serial(() => kill(server));
  return {
    url,
    get process() {
      return server.child;
    },
    freeze: () => void server.child.kill('SIGSTOP'),
    thaw: () => void server.child.kill('SIGCONT'),
    flush: () => withClient(url, async (client) => void (await client.flushAll())),
    dump: () =>
      withClient(url, async (client) => {
        const out = {};
        for (const key of await client.keys('*')) {
          const type = await client.type(key);
          out[key] = type === 'string' ? ((await client.get(key)) ?? '') : type;
        }
        return out;
      }),
    /**
     * Kills the server and starts an empty one on the same port: a restart that lost every key. After
     * `stop` it starts the server again (Redis back after an outage); the last change asked is `stop`.
     */
    restart: () =>
      serial(async () => {
        await kill(server);
        server = await launch(port, extraArgs);
      }),
    stop,
  };
}

/**
 * Starts a throw-away Redis Cluster of `size` masters on loopback ports: the hash slots split between
 * them, joined with CLUSTER MEET, and ready once every node says `cluster_state:ok`.
 */
export async function startRedisCluster(size = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'opencx-redis-cluster-'));
  const nodes = [];
  try {
    for (let i = 0; i < size; i++) {
      nodes.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${i}.conf`)]));
    }
    const ports = nodes.map((node) => Number(new URL(node.url).port));
    const slotsEach = Math.ceil(16384 / size);
    await Promise.all(
      nodes.map((node, i) =>
        withClient(node.url, async (client) => {
          const first = i * slotsEach;
          const last = Math.min(16383, first + slotsEach - 1);
          await client.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)]);
          for (const port of ports) await client.sendCommand(['CLUSTER', 'MEET', '127.0.0.1', String(port)]);
        }),
      ),
    );
    for (let i = 0; ; i++) {
      const states = await Promise.all(
        nodes.map((node) => withClient(node.url, (client) => client.sendCommand(['CLUSTER', 'INFO']))),
      );
      if (states.every((info) => String(info).includes('cluster_state:ok'))) break;
      if (i > 100) throw new Error('the Redis cluster did not form');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    nodes: nodes.map((node) => ({ host: '127.0.0.1', port: Number(new URL(node.url).port), url: node.url })),
    flush: async () => void (await Promise.all(nodes.map((node) => node.flush()))),
    dump: async () => Object.assign({}, ...(await Promise.all(nodes.map((node) => node.dump())))),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
