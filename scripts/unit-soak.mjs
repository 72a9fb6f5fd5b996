// `npm run test:soak [-- runs]`: the unit suite (libs, apps) in random order, 20 times in a row
// (or `runs`), while every core is kept busy by spinning processes, as on a loaded CI machine.
// Each run uses a new seed; a failure prints the seed that reproduces it. Ends with
// "N passed, M failed" and exits non-zero if any run failed. Writes test-results/soak.json, which
// `npm run report:testing` reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEveryCore } from '../test/support/busy-cores.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 20);
const unload = loadEveryCore();
let passed = 0;
let failed = 0;
const results = [];
try {
  for (let run = 1; run <= runs; run++) {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const started = Date.now();
    const result = spawnSync(
      process.execPath,
      [
        '--experimental-vm-modules',
        '--no-warnings=ExperimentalWarning',
        'node_modules/jest/bin/jest.js',
        '--randomize',
        `--seed=${seed}`,
        'libs',
        'apps',
      ],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const ok = result.status === 0;
    if (ok) passed++;
    else failed++;
    const summary = /Tests:.*$/m.exec(result.stderr ?? '')?.[0] ?? 'no summary';
    results.push({ seed, passed: ok, seconds: Math.round((Date.now() - started) / 1000), summary });
    console.log(
      `run ${run}/${runs}: ${ok ? 'passed' : 'FAILED'} (seed ${seed}, ${Math.round((Date.now() - started) / 1000)} s) ${summary}`,
    );
    if (!ok)
      console.log(
        result.stderr
          .split('\n')
          .filter((line) => line.includes('●'))
          .join('\n'),
      );
  }
} finally {
  await unload();
}
mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(
  join(root, 'test-results/soak.json'),
  JSON.stringify({
    date: new Date().toISOString(),
    node: process.versions.node,
    cores: availableParallelism(),
    runs: results,
  }),
);
console.log(`soak: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
