// `node scripts/mutation-score.mjs [report.json]`: the mutation score of the whole library, of each
// area with a goal of its own and of every file, from a StrykerJS JSON report (default: the one `npm
// run test:mutation` writes). StrykerJS checks one threshold for the whole run; the areas' and the
// files' goals are checked here. Exits 1 when a goal is missed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The goals: the whole library, and the code whose checks matter most. */
export const GOALS = [
  { area: 'overall', goal: 85, match: () => true },
  { area: 'limiter', goal: 85, match: (file) => file.includes('/rate-limit/') },
  { area: 'call', goal: 85, match: (file) => file.includes('/call/') },
  { area: 'cache', goal: 85, match: (file) => file.includes('/cache/') },
  { area: 'scrubbing', goal: 85, match: (file) => /\/errors\/(scrub|text-readings)\.ts$/.test(file) },
];

/** What every file with a judged mutant must reach on its own. */
export const FILE_GOAL = 80;

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** Mutants detected and undetected (StrykerJS's own score: compile errors, runtime errors and ignored mutants count for neither). */
function count(files) {
  let detected = 0;
  let undetected = 0;
  for (const { mutants } of files) {
    for (const { status } of mutants) {
      if (DETECTED.has(status)) detected++;
      else if (UNDETECTED.has(status)) undetected++;
    }
  }
  // Nothing judged has proven nothing (a moved folder, a report of another run).
  const score = detected + undetected === 0 ? 0 : (100 * detected) / (detected + undetected);
  return { score, detected, undetected };
}

/** Per area, then per file with a judged mutant (named by its path): the score and whether its goal holds. */
export function scores(report) {
  const files = Object.entries(report.files);
  const areas = GOALS.map(({ area, goal, match }) => {
    const counted = count(files.filter(([file]) => match(file)).map(([, entry]) => entry));
    return { area, goal, ...counted, met: counted.score >= goal };
  });
  const perFile = files
    .map(([file, entry]) => ({ area: file, goal: FILE_GOAL, ...count([entry]) }))
    .filter(({ detected, undetected }) => detected + undetected > 0)
    .map((score) => ({ ...score, met: score.score >= FILE_GOAL }));
  return [...areas, ...perFile];
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
