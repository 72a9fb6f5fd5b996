// `npm run bench`: what users feel: the quota, returning users, start-up, footprint, and that the
// library is never slower than the call written by hand. One file per measure; this one runs them
// and writes the report (a table, the machine, one line of reading per measure) to BENCH_OUT
// (default test-results/performance.md). The last line is `bench: N goals met, M not met`.
// BENCH_ONLY=quota,returning,... runs some measures; BENCH_QUICK=1 a tenth of the work.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { footprint } from './footprint.mjs';
import { here, QUICK } from './lib.mjs';
import { quota } from './quota.mjs';
import { redisTraffic } from './redis-traffic.mjs';
import { returning } from './returning.mjs';
import { startup } from './startup.mjs';
import { throughput } from './throughput.mjs';

const MEASURES = { quota, returning, startup, footprint, throughput, redis: redisTraffic };
const only = process.env.BENCH_ONLY?.split(',');
const out = process.env.BENCH_OUT ?? join(here, '../../test-results/performance.md');

const rows = [];
for (const [name, measure] of Object.entries(MEASURES)) {
  if (only && !only.includes(name)) continue;
  const started = Date.now();
  const measured = await measure();
  rows.push(...measured);
  console.log(`${name}: ${measured.length} rows (${Math.round((Date.now() - started) / 1000)} s)`);
}
rows.sort((a, b) => a.measure.localeCompare(b.measure, 'en', { numeric: true }));

const cell = (value) => String(value ?? '').replaceAll('|', '\\|');
const verdict = (r) => (r.goal === undefined ? '' : r.met ? 'yes' : 'no');
const settings = Object.entries(process.env)
  .filter(([name]) => name.startsWith('BENCH_') && name !== 'BENCH_OUT')
  .map(([name, value]) => `${name}=${value}`)
  .toSorted();
const machine = `Machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`;
const lines = [
  '# Benchmark report',
  '',
  machine,
  `Mode: ${QUICK ? 'quick (a tenth of the work; figures not comparable)' : 'full'}; every figure from this run, contenders interleaved, medians of rounds.`,
  `Run: ${new Date().toISOString().slice(0, 10)}, settings: ${settings.length > 0 ? settings.join(' ') : 'the defaults'}.`,
  '',
  '| measure | figure | goal | met | reading |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) => `| ${cell(r.measure)} | ${cell(r.figure)} | ${cell(r.goal ?? '—')} | ${verdict(r)} | ${cell(r.reading)} |`,
  ),
  '',
];
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, lines.join('\n'));
for (const r of rows) console.log(`${r.measure}: ${r.figure}${r.goal ? ` (goal ${r.goal}: ${verdict(r)})` : ''}`);
const goals = rows.filter((r) => r.goal !== undefined);
const met = goals.filter((r) => r.met).length;
console.log(`bench: ${met} goals met, ${goals.length - met} not met`);
