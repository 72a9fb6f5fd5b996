// Turns the reliability suite's own results (test-results/reliability/*.json) into a Markdown
// report: test-results/reliability.md on every run, docs/reliability.md only with --to-docs
// (`npm run docs:reliability`), so test runs never rewrite committed files.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'test-results/reliability');
if (!existsSync(dir)) throw new Error('no reliability results: run the test suite first');

const FAULTS_MARKER = '<!-- fault-simulation -->';
const cell = (value) => String(value).replaceAll('|', '\\|').replaceAll('\n', ' ');
const lines = [
  '# Reliability and security results',
  '',
  'Written by `npm run docs:reliability` from the output of the reliability suite (`npm run test:reliability`,',
  'which CI runs). Every row is an attack or fault the suite tried and what it observed; a failing case fails the suite.',
  '',
  `Last run: ${new Date().toISOString()}, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}.`,
  '',
];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .toSorted()) {
  for (const { title, intro, rows } of JSON.parse(readFileSync(join(dir, file), 'utf8'))) {
    lines.push(`## ${title}`, '', intro, '');
    if (rows.length === 0) continue;
    const columns = Object.keys(rows[0]);
    lines.push(`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`);
    for (const row of rows) lines.push(`| ${columns.map((c) => cell(row[c] ?? '')).join(' | ')} |`);
    lines.push('');
  }
}
const target = process.argv.includes('--to-docs') ? 'docs/reliability.md' : 'test-results/reliability.md';
// The fault simulation's part of docs/reliability.md (from its marker on) is its own: kept as it is.
const docs = join(root, 'docs/reliability.md');
const own = existsSync(docs) ? readFileSync(docs, 'utf8') : '';
const kept = own.includes(FAULTS_MARKER) ? `\n${own.slice(own.indexOf(FAULTS_MARKER))}` : '';
mkdirSync(dirname(join(root, target)), { recursive: true });
writeFileSync(join(root, target), `${lines.join('\n')}\n${target.startsWith('docs/') ? kept : ''}`);
console.log(`wrote ${target}`);
