// The harness's side of the simulated instances: start each as a child process, send it calls and
// collect their outcomes, and kill, freeze, block or restart it. A restarted instance is a new
// incarnation with its own upstream prefix, so its sends are told apart from its predecessor's.
import { fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { now } from './clock.mjs';
import { track } from './processes.mjs';

const INSTANCE = join(dirname(fileURLToPath(import.meta.url)), 'instance.mjs');
/** Longest an instance may take to start (Nest, Redis connection) on a loaded machine. */
const START_TIMEOUT_MS = 60_000;

/**
 * One slot of the fleet. `config` is what every incarnation starts with (see instance.mjs);
 * `record` collects calls, lag and lifecycle events; `logDir` receives each incarnation's output.
 */
export function createSlot(slot, config, record, logDir) {
  let child;
  let incarnation = -1;
  let sequence = 0;
  let frozen = false;
  // Set at once on kill: the process may take a moment to exit, and calls meanwhile go nowhere.
  let killed = false;
  const pending = new Map();

  const settleAll = (why) => {
    for (const [id, entry] of pending) {
      entry.call.lost = why;
      entry.resolve(entry.call);
      pending.delete(id);
    }
  };

  async function start() {
    incarnation++;
    const name = `i${slot}.${incarnation}`;
    const current = track(
      fork(INSTANCE, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], execArgv: ['--max-old-space-size=256'] }),
    );
    child = current;
    frozen = false;
    killed = false;
    // A message to an instance that just died fails here instead of throwing in the harness.
    current.on('error', () => undefined);
    const log = createWriteStream(join(logDir, `${name}.log`));
    current.stdout.pipe(log, { end: false });
    current.stderr.pipe(log, { end: false });
    let closed = 0;
    const endLog = () => ++closed === 2 && log.end();
    current.stdout.on('end', endLog);
    current.stderr.on('end', endLog);
    current.on('message', (message) => {
      if (message.type === 'lag') record.lags.push({ instance: name, from: message.from, to: message.to });
      else if (message.type === 'result' || message.type === 'stats') {
        const entry = pending.get(message.id);
        if (!entry) return;
        pending.delete(message.id);
        entry.resolve(Object.assign(entry.call, message));
      }
    });
    current.once('exit', (code, signal) => {
      record.lifecycle.push({ instance: name, event: 'exit', t: now(), code, signal });
      if (current === child) settleAll(signal === 'SIGKILL' ? 'killed' : `exited ${code ?? signal}`);
    });
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      current.on('message', (message) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve(message.joined);
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${name} failed to start (${message.error})`));
        }
      });
      current.once('exit', () => reject(new Error(`${name} exited while starting`)));
    });
    current.send({ op: 'init', config: { ...config, name, baseUrl: `${config.upstreamUrl}/${name}` } });
    const joined = await ready;
    record.lifecycle.push({ instance: name, event: 'ready', t: now(), joined });
  }

  /** Sends `message` to the live incarnation; resolves with the call record once it has an outcome. */
  function request(message) {
    const id = ++sequence;
    const call = { ...message, instance: `i${slot}.${incarnation}`, sentAt: now() };
    if (!child || killed || child.exitCode !== null || child.signalCode !== null) {
      call.lost = 'not running';
      return Promise.resolve(call);
    }
    return new Promise((resolve) => {
      pending.set(id, { call, resolve });
      child.send({ ...message, id });
    });
  }

  return {
    slot,
    get name() {
      return `i${slot}.${incarnation}`;
    },
    get running() {
      return Boolean(child) && !killed && child.exitCode === null && child.signalCode === null;
    },
    get frozen() {
      return frozen;
    },
    start,
    request,
    block: (ms) => child?.send({ op: 'block', ms }),
    freeze: () => {
      frozen = true;
      child?.kill('SIGSTOP');
    },
    thaw: () => {
      frozen = false;
      child?.kill('SIGCONT');
    },
    kill: () => {
      killed = true;
      child?.kill('SIGCONT');
      child?.kill('SIGKILL');
    },
    /** The number of Redis commands this incarnation sent (its wrapper's count), or undefined. */
    commands: async () => (await request({ op: 'stats' })).commands,
    /** Closes the application (its store leaves the fleet), then the process; SIGKILL after `graceMs`. */
    close: async (graceMs) => {
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      if (frozen) current.kill('SIGCONT');
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.send({ op: 'close' });
      const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
