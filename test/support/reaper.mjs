// The watchdog of test/support/processes.mjs, one per process that starts others (a jest worker, a
// script). It reads "+<pid>" (a process group led by pid) and "-<pid>" (gone) lines on stdin, and
// when stdin ends, which happens however its owner ended (SIGKILL included), it stops every group
// still listed: SIGTERM (and SIGCONT, for a frozen one), then SIGKILL whatever is left, and exits.
import { createInterface } from 'node:readline';

const GRACE_MS = 2_000;
const owned = new Set();

/** Signals the group `pid` leads, or the process alone when it leads none; false once both are gone. */
const signal = (pid, name) => {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, name);
      return true;
    } catch {
      // No such group: try the process.
    }
  }
  return false;
};

let stopping = false;
async function stopAll() {
  if (stopping) return;
  stopping = true;
  const groups = [...owned];
  for (const pid of groups) {
    signal(pid, 'SIGTERM');
    signal(pid, 'SIGCONT');
  }
  const deadline = Date.now() + GRACE_MS;
  let alive = groups;
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    alive = alive.filter((pid) => signal(pid, 0));
  }
  for (const pid of alive) signal(pid, 'SIGKILL');
  process.exit(0);
}

// Its own session already (spawned detached); a hang-up or Ctrl-C of a terminal is not its business.
for (const name of ['SIGINT', 'SIGHUP']) process.on(name, () => undefined);
process.stdin.on('error', () => void stopAll());
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const match = /^([+-])(\d+)$/.exec(line);
    if (!match) return;
    if (match[1] === '+') owned.add(Number(match[2]));
    else owned.delete(Number(match[2]));
  })
  .on('close', () => void stopAll());
