import { availableParallelism } from 'node:os';
import { spawn, stopProcess } from './processes.mjs';

/**
 * Keeps every core busy with one spinning process each, as on a loaded CI machine, until the
 * returned function is called; its promise resolves once every spinner has exited. Each spinner
 * also exits once the process that started it is gone, however that ended (a kill skips
 * `finally`), so no busy loop outlives a stopped run.
 */
export function loadEveryCore() {
  const spin = `for (let i = 1; ; i++) if (i % 1e7 === 0 && process.ppid !== ${process.pid}) process.exit();`;
  const spinners = Array.from({ length: availableParallelism() }, () =>
    spawn(process.execPath, ['-e', spin], { stdio: 'ignore' }),
  );
  return async () => {
    await Promise.all(spinners.map((spinner) => stopProcess(spinner, 0)));
  };
}
