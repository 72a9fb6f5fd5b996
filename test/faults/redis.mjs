// The simulation's redis-server: started, killed, restarted empty, frozen and thawed on one port.
// Unlike the suites' helper, every change waits for the one before (two restarts 50 ms apart must
// not start two servers), each process is watched for its exit from the moment it is spawned, and a
// server counts as started only when this process answers, not a predecessor still on the port.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { sleep } from './clock.mjs';
import { track } from './processes.mjs';

const REDIS_SERVER = '/usr/bin/redis-server';
/** Longest a server may take to answer after it was spawned, on a busy machine. */
const START_TIMEOUT_MS = 20_000;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** The process id of the server answering at `url`, or undefined. */
async function answeringPid(url) {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info('server');
    return Number(/process_id:(\d+)/.exec(info)?.[1]);
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/**
 * Starts a redis-server on a free loopback port; resolves once it answers. `onState('up' | 'down' |
 * 'frozen')` hears of each change at the moment it happens, in order.
 */
export async function startRedisServer(onState = () => undefined) {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let current;
  let queue = Promise.resolve();
  // One change at a time, in the order asked.
  const serial = (change) => {
    const next = queue.then(change);
    queue = next.catch(() => undefined);
    return next;
  };

  const launch = async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const child = track(
        spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
          stdio: 'ignore',
        }),
      );
      const exited = new Promise((resolve) => child.once('exit', () => resolve()));
      while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
        if ((await answeringPid(url)) === child.pid) {
          current = { child, exited };
          onState('up');
          return;
        }
        await sleep(50);
      }
      // It could not take the port (a predecessor still closing it): try again.
      child.kill('SIGKILL');
      await exited;
    }
    throw new Error(`redis-server did not start on port ${port} in ${START_TIMEOUT_MS} ms`);
  };

  const kill = async () => {
    if (!current) return;
    const { child, exited } = current;
    current = undefined;
    onState('down');
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  };

  await launch();
  return {
    url,

    kill: () => serial(kill),
    start: () => serial(() => (current ? undefined : launch())),
    /** Killed, and an empty one started on the same port at once. */
    restart: () =>
      serial(async () => {
        await kill();
        await launch();
      }),
    freeze: () =>
      serial(() => {
        if (!current || current.frozen) return;
        current.frozen = true;
        onState('frozen');
        current.child.kill('SIGSTOP');
      }),
    thaw: () =>
      serial(() => {
        if (!current?.frozen) return;
        current.frozen = false;
        current.child.kill('SIGCONT');
        onState('up');
      }),
    stop: () => serial(kill),
  };
}
