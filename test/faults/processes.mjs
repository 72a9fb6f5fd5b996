// Every process the harness starts is tracked here and killed when the harness ends, however it ends:
// normally, on an error, on SIGINT/SIGTERM/SIGHUP, or when the process that forked it goes away.
// A harness killed with SIGKILL cannot clean up, so each one also lists its children in a file
// (test-results/faults/.live/<pid>.json) that the next harness sweeps (see sweepOrphans).
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIVE_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../test-results/faults/.live');
const liveFile = join(LIVE_DIR, `${process.pid}.json`);
const live = new Map();

/** The kernel's start time of `pid` (field 22 of /proc/pid/stat): a pid reused later has another. */
function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function writeLive() {
  try {
    if (live.size === 0) {
      rmSync(liveFile, { force: true });
    } else {
      mkdirSync(LIVE_DIR, { recursive: true });
      writeFileSync(liveFile, JSON.stringify([...live.values()]));
    }
  } catch {
    // best effort: the handlers below still kill what is tracked
  }
}

/** Tracks `child` until it exits. */
export function track(child) {
  if (child.pid === undefined) return child;
  live.set(child, { pid: child.pid, start: startTime(child.pid) });
  writeLive();
  child.once('exit', () => {
    live.delete(child);
    writeLive();
  });
  return child;
}

/** Kills every tracked process at once (a stopped one is continued first, so it can die). */
export function killAll() {
  for (const child of live.keys()) {
    try {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  writeLive();
}

let installed = false;

/** Kills everything on the way out; call once at the start of a harness process. */
export function installCleanup() {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ]) {
    process.on(signal, () => {
      killAll();
      process.exit(code);
    });
  }
  // Forked by the long run's scheduler: stop when it does.
  if (process.send) process.on('disconnect', () => process.exit(1));
}

/** Whether `pid` runs (a zombie, dead but not yet reaped, does not). */
const alive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/**
 * Kills what harnesses killed with SIGKILL left behind: the processes listed by a harness that is
 * gone, when they are still the same processes (same start time). Returns their pids.
 */
export function sweepOrphans() {
  const swept = [];
  let files = [];
  try {
    files = readdirSync(LIVE_DIR).filter((name) => /^\d+\.json$/.test(name));
  } catch {
    return swept;
  }
  for (const name of files) {
    const owner = Number(name.slice(0, -5));
    if (owner === process.pid || alive(owner)) continue;
    const file = join(LIVE_DIR, name);
    try {
      for (const { pid, start } of JSON.parse(readFileSync(file, 'utf8'))) {
        if (start === undefined || startTime(pid) !== start || !alive(pid)) continue;
        try {
          process.kill(pid, 'SIGCONT');
          process.kill(pid, 'SIGKILL');
          swept.push(pid);
        } catch {
          // gone meanwhile
        }
      }
    } catch {
      // unreadable: nothing to sweep
    }
    rmSync(file, { force: true });
  }
  return swept;
}
