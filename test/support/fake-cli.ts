import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawn } from './processes.mjs';

/** The fake OpenCX's CLI as the built package ships it. */
export const FAKE_CLI = fileURLToPath(
  new URL('../../libs/opencx/dist/esm/testing/fake-server.cli.js', import.meta.url),
);

export interface FakeCliProcess {
  child: ChildProcess;
  /** Every line the process wrote to stdout or stderr. */
  lines: string[];
  exited: Promise<unknown>;
}

/** Resolves with the first capture of `pattern` in the process's output, or rejects when it exits first. */
export function waitForLine(lines: string[], exited: Promise<unknown>, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what} did not start:\n${lines.join('\n')}`)), 15_000);
    const poll = setInterval(() => {
      const match = lines.map((line) => pattern.exec(line)).find(Boolean);
      if (match) done(undefined, match[1]);
    }, 20);
    void exited.then(() => done(new Error(`${what} exited:\n${lines.join('\n')}`)));
    function done(error?: Error, value?: string): void {
      clearInterval(poll);
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(value!);
    }
  });
}

/** The fake OpenCX as a user runs it: its CLI, from the built package, with `args`. */
export function spawnFakeCli(args: string[]): FakeCliProcess {
  if (!existsSync(FAKE_CLI)) throw new Error(`${FAKE_CLI} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [FAKE_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  }
  return { child, lines, exited: new Promise((resolve) => child.on('exit', resolve)) };
}
