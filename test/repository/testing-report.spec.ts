import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the report script over `results` (a folder of run outputs) and returns what it wrote. */
function report(results: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'testing-report-'));
  try {
    for (const [file, content] of Object.entries(results)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), JSON.stringify(content));
    }
    execFileSync(process.execPath, [join(root, 'scripts/testing-report.mjs'), dir], { stdio: 'ignore' });
    return readFileSync(join(dir, 'testing.md'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mutant = (status: string) => ({ status });

/** One run as scripts/measure-test-runs.mjs records it. */
const timedRun = (mode: string, n: number, passed: boolean, seconds: number, idle?: boolean) => ({
  mode,
  n,
  passed,
  seconds,
  loadBefore: idle === false ? 3.1 : 0.1,
  idle,
  summary: [],
});

describe('the test runs’ figures', () => {
  it('are a report generated from the runs’ own results', () => {
    const text = report({
      'soak.json': {
        date: '2026-12-01T10:00:00.000Z',
        node: '20.20.2',
        cores: 2,
        runs: [
          { seed: 1, passed: true, seconds: 52, summary: 'Tests: 900 passed' },
          { seed: 77, passed: false, seconds: 80, summary: 'Tests: 1 failed, 899 passed' },
        ],
      },
      'mutation/mutation.json': {
        files: {
          'libs/opencx/src/rate-limit/client-rate-limiter.ts': {
            mutants: [mutant('Killed'), mutant('Killed'), mutant('Survived'), mutant('CompileError')],
          },
          'libs/opencx/src/errors/scrub.ts': { mutants: [mutant('Timeout')] },
        },
      },
    });
    expect(text).toContain(
      '2026-12-01T10:00:00.000Z, Node 20.20.2, 2 cores kept busy: 1 passed, 1 failed; 52 to 80 s a run.',
    );
    expect(text).toContain('- failed with seed 77: Tests: 1 failed, 899 passed');
    expect(text).toContain('5 mutants (1 CompileError, 2 Killed, 1 Survived, 1 Timeout)');
    expect(text).toContain('- overall: 75.0% (3 detected, 1 not; goal 85%) BELOW GOAL');
    expect(text).toContain(
      '- libs/opencx/src/rate-limit/client-rate-limiter.ts: 66.7% (2 detected, 1 not; goal 80%) BELOW GOAL',
    );
    expect(text).toContain('- scrubbing: 100.0% (1 detected, 0 not; goal 85%) ok');
  });

  it('give how long `npm test` took, idle and with every core busy, against the goals', () => {
    const text = report({
      'test-runs.json': {
        when: '2026-12-02T09:00:00.000Z',
        node: '20.20.2',
        cores: 2,
        goals: { idleMaxSeconds: 60, busyPassRate: 1 },
        verdict: { idleWithinGoal: true, busyPassed: '2/3', busyWithinGoal: false },
        runs: [
          timedRun('idle', 1, true, 48.5, true),
          timedRun('idle', 2, true, 95, false),
          timedRun('busy', 1, true, 70),
          timedRun('busy', 2, false, 81.2),
          timedRun('busy', 3, true, 74),
        ],
      },
    });
    expect(text).toContain('2026-12-02T09:00:00.000Z, Node 20.20.2, 2 cores.');
    expect(text).toContain('- idle: 48.5 s (goal at most 60 s) ok; 1 run on a loaded machine left out');
    expect(text).toContain('- every core busy: 2 of 3 passed (goal all), 70 to 81.2 s a run BELOW GOAL');
  });

  it('say so when a run has not happened', () => {
    const text = report({});
    expect(text).toContain('No timing run has written `test-runs.json` here yet.');
    expect(text).toContain('No soak run has written `soak.json` here yet.');
    expect(text).toContain('No mutation run has written `mutation/mutation.json` here yet.');
  });

  it('are kept out of docs/testing.md, which keeps the guidance', () => {
    const guide = readFileSync(join(root, 'docs/testing.md'), 'utf8');
    expect(guide).not.toMatch(/Last run|Latest figures|\d+ min \d+ s|\b20\d\d\b.*(passed|mutants)/);
    expect(guide).toContain('npm run report:testing');
  });
});
