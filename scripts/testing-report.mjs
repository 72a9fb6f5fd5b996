// `npm run report:testing [-- <results dir>]`: the figures of the repository's own long runs, from
// what those runs wrote (default dir: test-results/): the last soak (`npm run test:soak`, soak.json),
// the last timing of `npm test` (`node scripts/measure-test-runs.mjs`, test-runs.json) and the last
// mutation run (`npm run test:mutation`, mutation/mutation.json). Writes
// <results dir>/testing.md; a run that has not happened is said so. docs/testing.md keeps the
// guidance, never these figures.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, scores } from './mutation-score.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? join(root, 'test-results');
const read = (file) => (existsSync(join(dir, file)) ? JSON.parse(readFileSync(join(dir, file), 'utf8')) : undefined);

const lines = [
  '# Test runs: the last figures',
  '',
  'Written by `npm run report:testing` from the runs’ own results.',
  '',
];

const soak = read('soak.json');
lines.push('## Soak (`npm run test:soak`)', '');
if (!soak) lines.push('No soak run has written `soak.json` here yet.', '');
else {
  const seconds = soak.runs.map((run) => run.seconds);
  const failed = soak.runs.filter((run) => !run.passed);
  lines.push(
    `${soak.date}, Node ${soak.node}, ${soak.cores} cores kept busy: ` +
      `${soak.runs.length - failed.length} passed, ${failed.length} failed; ` +
      `${Math.min(...seconds)} to ${Math.max(...seconds)} s a run.`,
    '',
    ...failed.map((run) => `- failed with seed ${run.seed}: ${run.summary}`),
    ...(failed.length > 0 ? [''] : []),
  );
}

/** `48 s`, or `44 to 52 s a run`. */
const range = (runs) => {
  const seconds = runs.map((run) => run.seconds);
  return seconds.length === 1 ? `${seconds[0]} s` : `${Math.min(...seconds)} to ${Math.max(...seconds)} s a run`;
};

const timing = read('test-runs.json');
lines.push('## How long `npm test` takes (`node scripts/measure-test-runs.mjs`)', '');
if (!timing) lines.push('No timing run has written `test-runs.json` here yet.', '');
else {
  const { goals, runs } = timing;
  const idle = runs.filter((run) => run.mode === 'idle' && run.idle);
  const loaded = runs.filter((run) => run.mode === 'idle' && !run.idle).length;
  const busy = runs.filter((run) => run.mode === 'busy');
  const idleOk = idle.every((run) => run.passed && run.seconds <= goals.idleMaxSeconds);
  const busyPassed = busy.filter((run) => run.passed).length;
  lines.push(
    `${timing.when}, Node ${timing.node}, ${timing.cores} cores.`,
    '',
    idle.length === 0
      ? '- idle: no run on an idle machine'
      : `- idle: ${range(idle)} (goal at most ${goals.idleMaxSeconds} s) ${idleOk ? 'ok' : 'OVER GOAL'}` +
          (loaded > 0 ? `; ${loaded} run${loaded > 1 ? 's' : ''} on a loaded machine left out` : ''),
    busy.length === 0
      ? '- every core busy: no run'
      : `- every core busy: ${busyPassed} of ${busy.length} passed (goal all), ${range(busy)} ` +
          (busyPassed / busy.length >= goals.busyPassRate ? 'ok' : 'BELOW GOAL'),
    '',
  );
}

const mutation = read('mutation/mutation.json');
lines.push('## Mutation testing (`npm run test:mutation`)', '');
if (!mutation) lines.push('No mutation run has written `mutation/mutation.json` here yet.', '');
else {
  const counts = {};
  for (const { mutants } of Object.values(mutation.files)) {
    for (const { status } of mutants) counts[status] = (counts[status] ?? 0) + 1;
  }
  const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const when = statSync(join(dir, 'mutation/mutation.json')).mtime.toISOString();
  lines.push(
    `${when}: ${total} mutants (${Object.entries(counts)
      .toSorted(([a], [b]) => a.localeCompare(b))
      .map(([status, count]) => `${count} ${status}`)
      .join(', ')}).`,
    '',
    ...scores(mutation).map((score) => `- ${format(score)}`),
    '',
  );
}

mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'testing.md'), `${lines.join('\n')}\n`);
console.log(`wrote ${join(dir, 'testing.md')}`);
