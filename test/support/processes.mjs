// Processes the suites start (the sample app, the fake CLI, redis-server, Chromium, busy-core
// loaders) die with the process that started them, however it ends: each runs in a process group of
// its own, and a watchdog (reaper.mjs) that holds a pipe from its owner stops every group still
// listed once that pipe closes, which the kernel does even when the owner is SIGKILLed. Under jest,
// test/support/jest-environment.mjs also stops what a test file left running when the file ends,
// and fails the file for it.
import { spawn as spawnChild } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REAPER = fileURLToPath(new URL('./reaper.mjs', import.meta.url));
const SHARED = Symbol.for('nestjs-opencx.test.processes');
const GROUPS = process.platform !== 'win32';

/** Signals the group `pid` leads, or the process alone when it leads none. */
const signalGroup = (pid, signal) => {
  for (const target of GROUPS ? [-pid, pid] : [pid]) {
    try {
      process.kill(target, signal);
      return;
    } catch {
      // No such group (or already gone): try the process.
    }
  }
};

const running = (child) => child.exitCode === null && child.signalCode === null;

function createOwner() {
  let reaper;
  /** What the current test file started (everything, outside jest). */
  let current = new Set();

  function tell(line) {
    if (!GROUPS) return;
    if (!reaper) {
      reaper = spawnChild(process.execPath, [REAPER], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      // Neither the watchdog nor its pipe keeps its owner alive.
      reaper.unref();
      reaper.stdin.unref();
      reaper.stdin.on('error', () => undefined);
    }
    reaper.stdin.write(`${line}\n`);
  }

  return {
    /** Watches `child`, the leader of a process group of its own, until it exits. */
    own(child, command) {
      if (child.pid === undefined) return;
      const pid = child.pid;
      const entry = { child, command };
      const started = current;
      started.add(entry);
      tell(`+${pid}`);
      child.once('exit', () => {
        // Whatever the leader started goes with it.
        signalGroup(pid, 'SIGKILL');
        tell(`-${pid}`);
        started.delete(entry);
      });
    },
    beginFile() {
      current = new Set();
    },
    /** Stops what the current file left running, and says what that was. */
    async endFile() {
      const left = [...current].filter(({ child }) => running(child));
      await Promise.all(left.map(({ child }) => stopProcess(child, 0)));
      current = new Set();
      return left.map(({ child, command }) => `${command} (pid ${child.pid})`);
    },
  };
}

/** The owner of this process's children: jest's environment hands its own to each test file. */
const owner = (globalThis[SHARED] ??= createOwner());
export { owner as processOwner };

/**
 * `spawn` of node:child_process, with the child in a process group of its own that is stopped when
 * the calling process ends (SIGKILL included), and by jest when the test file ends.
 */
export function spawn(command, args = [], options = {}) {
  const child = spawnChild(command, args, { ...options, detached: GROUPS });
  owner.own(child, [command, ...args].join(' ').slice(0, 200));
  return child;
}

/**
 * Adopts a child started elsewhere (Chromium, started by playwright) that leads a process group
 * of its own, so it is stopped as those from `spawn` are.
 */
export function adopt(child, command) {
  owner.own(child, command);
  return child;
}

/**
 * Stops `child` and its process group: `signal`, then SIGKILL after `graceMs`. Resolves once the
 * child has exited (at once if it already has).
 */
export async function stopProcess(child, graceMs = 5_000, signal = 'SIGTERM') {
  if (!running(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (graceMs > 0) {
    signalGroup(child.pid, signal);
    signalGroup(child.pid, 'SIGCONT');
    let timer;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, graceMs, 'late')));
    const outcome = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return;
  }
  signalGroup(child.pid, 'SIGKILL');
  await exited;
}
