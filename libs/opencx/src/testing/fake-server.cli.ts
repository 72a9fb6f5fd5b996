#!/usr/bin/env node
/**
 * `npx nestjs-opencx-fake --port 8080 --api-key sk_test_123`: the fake OpenCX on its own, for a dev
 * server to point `baseUrl` at. Prints its URL and one line per request, then serves until Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import { startFakeCli } from './fake-cli.js';

const started = await startFakeCli(process.argv.slice(2), console);
if ('exitCode' in started) process.exit(started.exitCode);
const { fake } = started;

const stop = (): void => void fake.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Run through `npx` (which starts it through a shell), a killed npx leaves this process behind:
// stop when the parent or the grandparent is gone, never orphaned.
const parentOf = (pid: number): number | undefined => {
  try {
    // /proc/<pid>/stat: "pid (name) state ppid ..."; the name may hold spaces, so read after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
};
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const watched = [process.ppid, parentOf(process.ppid)].filter((pid): pid is number => pid !== undefined && pid > 1);
setInterval(() => {
  if (watched.some((pid) => !alive(pid)) || process.ppid === 1) stop();
}, 500).unref();
