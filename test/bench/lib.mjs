// Helpers shared by the benchmark's measures: settings, rounds run back to back, medians, forks.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const here = dirname(fileURLToPath(import.meta.url));
export const QUICK = process.env.BENCH_QUICK === '1';
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 3 : 5));
/** A tenth of the work in quick mode: the shape of the report, not its figures. */
export const scale = (n) => (QUICK ? Math.ceil(n / 10) : n);

setFlagsFromString('--expose-gc');
export const gc = runInNewContext('gc');

export const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];
export const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Runs `contenders` (name → async function returning a number) in ROUNDS rounds, back to back in
 * a rotating order so the machine's drift hits each alike; returns each one's values by name.
 */
export async function inRounds(contenders, rounds = ROUNDS) {
  const names = Object.keys(contenders);
  const values = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      values[name].push(await contenders[name]());
    }
  }
  return values;
}

/** The median over rounds of a / b, each round's pair measured back to back. */
export const medianRatio = (values, a, b) => median(values[a].map((value, i) => value / values[b][i]));

const children = new Set();
process.on('exit', () => children.forEach((child) => child.kill()));

/** Forks a helper that answers `process.send({ port })` once it listens; resolves its URL. */
export function startChild(script, env = {}) {
  const child = fork(join(here, script), { env: { ...process.env, ...env }, stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    child.once('message', ({ port }) => resolve({ url: `http://127.0.0.1:${port}`, child }));
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
}

/** One row of the report. `goal` undefined: a figure reported for information. */
export const row = (measure, figure, goal, met, reading) => ({ measure, figure, goal, met, reading });
