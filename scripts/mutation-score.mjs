// `node scripts/mutation-score.mjs [report.json]`: the mutation score of the whole library and of
// each area with a goal of its own, from a StrykerJS JSON report (default: the one `npm run
// test:mutation` writes). StrykerJS checks one threshold for the whole run; the areas' goals are
// checked here. Exits 1 when a goal is missed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The goals: the whole library, and the code whose checks matter most. */
export const GOALS = [
  { area: 'overall', goal: 80, match: () => true },
  { area: 'limiter', goal: 85, match: (file) => file.includes('/rate-limit/') },
  { area: 'call', goal: 85, match: (file) => file.includes('/call/') },
  { area: 'cache', goal: 85, match: (file) => file.includes('/cache/') },
  { area: 'scrubbing', goal: 85, match: (file) => /\/errors\/(scrub|text-readings)\.ts$/.test(file) },
];

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/**
 * Per area: mutants detected and undetected (StrykerJS's own score: compile errors, runtime
 * errors and ignored mutants count for neither), and whether the goal holds.
 */
export function scores(report) {
  return GOALS.map(({ area, goal, match }) => {
    let detected = 0;
    let undetected = 0;
    for (const [file, { mutants }] of Object.entries(report.files)) {
      if (!match(file)) continue;
      for (const { status } of mutants) {
        if (DETECTED.has(status)) detected++;
        else if (UNDETECTED.has(status)) undetected++;
      }
    }
    // An area without a judged mutant has proven nothing (a moved folder, a report of another run).
    const score = detected + undetected === 0 ? 0 : (100 * detected) / (detected + undetected);
    return { area, goal, score, detected, undetected, met: score >= goal };
  });
}

/** One line per area, as printed. */
export function format({ area, goal, score, detected, undetected, met }) {
  return `${area}: ${score.toFixed(1)}% (${detected} detected, ${undetected} not; goal ${goal}%) ${met ? 'ok' : 'BELOW GOAL'}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = process.argv[2] ?? 'test-results/mutation/mutation.json';
  const results = scores(JSON.parse(readFileSync(path, 'utf8')));
  for (const result of results) console.log(format(result));
  process.exit(results.every((result) => result.met) ? 0 : 1);
}
