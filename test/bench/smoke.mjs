// `npm run test:bench`: runs the benchmark in quick mode and checks what it produces, not how fast
// anything was: every measure present, the rows that carry a promise each with its goal (Redis
// traffic, a cached answer's cost, each Redis fault's cost in quota), the machine named, the last
// line counting exactly the goals in the table, and the committed docs/performance.md left alone. It keeps `npm run bench` from
// breaking unseen between full runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const docs = join(here, '../../docs/performance.md');
const docsBefore = readFileSync(docs, 'utf8');
const outDir = mkdtempSync(join(tmpdir(), 'opencx-bench-smoke-'));
const report = join(outDir, 'performance.md');
const started = Date.now();
const run = spawnSync(process.execPath, [join(here, 'run.mjs')], {
  env: { ...process.env, BENCH_QUICK: '1', BENCH_OUT: report },
  encoding: 'utf8',
  timeout: 900_000,
});
try {
  assert.equal(run.status, 0, `bench exited with ${run.status ?? run.signal}:\n${run.stderr}`);
  const lines = run.stdout.trimEnd().split('\n');
  const last = /^bench: (\d+) goals met, (\d+) not met$/.exec(lines.at(-1));
  assert.ok(last, `the last line is not "bench: N goals met, M not met": ${lines.at(-1)}`);
  const text = readFileSync(report, 'utf8');
  assert.match(text, /^Machine: .+, \d+ cores, \d+ GiB, Node v\d+\.\d+\.\d+\./m);
  const rows = text.split('\n').filter((line) => /^\| \d+[a-z]?\. /.test(line));
  for (const measure of ['1', '2', '3', '4', '5', '6', '7', '8']) {
    assert.ok(
      rows.some((row) => row.startsWith(`| ${measure}. `)),
      `no row for measure ${measure}`,
    );
  }
  // Rows that carry a promise, each with its goal: Redis traffic per hit, miss and idle second; the
  // cached answer's cost side by side with a miss's and by hand; each Redis fault's cost in quota.
  const goalOf = (name) => rows.find((row) => row.includes(name))?.split(' | ')[2];
  for (const name of [
    'Redis traffic: per cache hit',
    'Redis traffic: per miss',
    'Redis traffic: per idle second per instance',
    'CPU per cached answer',
    'CPU of a miss / CPU of a hit',
    'HttpService.post + class-validator, worst round',
  ])
    assert.ok(goalOf(name) && goalOf(name) !== '—', `no row with a goal for "${name}"`);
  const faults = rows.filter((row) => row.includes(': upstream 429s |')).map((row) => row.split(': upstream 429s')[0]);
  assert.ok(faults.length >= 4, `expected the four Redis faults, found ${faults.length}`);
  for (const fault of faults) {
    assert.ok(
      rows.some((row) => row.startsWith(`${fault}: longest an instance had callers waiting`)),
      `${fault}: no row for while it lasts`,
    );
    assert.ok(
      rows.some((row) => row.startsWith(`${fault}: quota used in the window from the fault`)),
      `${fault}: no row for the window it falls in`,
    );
    assert.ok(
      rows.some((row) => row.startsWith(`${fault}: quota used in the window after Redis answered again`)),
      `${fault}: no row for after it`,
    );
  }
  const verdicts = rows.map((row) => row.split(' | ')[3]);
  const met = verdicts.filter((v) => v === 'yes').length;
  const notMet = verdicts.filter((v) => v === 'no').length;
  assert.deepEqual([Number(last[1]), Number(last[2])], [met, notMet], 'the last line disagrees with the table');
  assert.ok(met + notMet >= 15, `expected at least 15 goal rows, found ${met + notMet}`);
  assert.equal(readFileSync(docs, 'utf8'), docsBefore, 'the smoke run rewrote docs/performance.md');
  console.log(
    `bench smoke: ${rows.length} rows, ${lines.at(-1)} (quick mode, ${Math.round((Date.now() - started) / 1000)} s)`,
  );
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
