// One run: a seed's plan or a named case, simulated, checked, and written to test-results/faults/.
// Used in process for a single run, and as the worker of the long run (forked with --worker).
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caseNamed } from './cases.mjs';
import { now } from './clock.mjs';
import { checkGoals } from './goals.mjs';
import { checkInvariants } from './invariants.mjs';
import { MAIN_KEY, describePlan, planOf } from './plan.mjs';
import { installCleanup } from './processes.mjs';
import { simulate } from './simulate.mjs';

/** Where every run's result (and a failing run's instance logs) goes. */
export const RESULTS = fileURLToPath(new URL('../../test-results/faults', import.meta.url));

/** The command that replays a run. */
export const replayCommand = (spec) =>
  spec.case ? `npm run test:faults -- --case ${spec.case}` : `npm run test:faults -- --seed ${spec.seed}`;

/** No API key and no email of the plan in any instance's output. */
function secretsInLogs(plan, dir) {
  const secrets = [...plan.registrations.map((r) => r.key), ...plan.perCallKeys];
  for (const step of plan.steps) if (step.email) secrets.push(step.email);
  const found = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.log'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const leaked = secrets.filter((secret) => text.includes(secret));
    if (leaked.length > 0)
      found.push({ file, kinds: [...new Set(leaked.map((s) => (s.includes('@') ? 'email' : 'api key')))] });
  }
  return found.length === 0
    ? []
    : [{ check: 'secrets', message: 'an API key or email in an instance log', detail: found }];
}

/** A run's outcome in a few numbers, for the summary. */
function summarise(plan, record) {
  const outcomes = {};
  for (const call of record.calls) {
    const what = `${call.op}:${call.ok ? 'ok' : (call.errorClass ?? call.lost) + (call.reason ? `/${call.reason}` : '')}`;
    outcomes[what] = (outcomes[what] ?? 0) + 1;
  }
  return {
    sent: record.arrivals.length,
    upstream429: record.arrivals.filter((a) => a.status === 429).length,
    outcomes,
    idle: record.idle && {
      seconds: Number(record.idle.seconds.toFixed(1)),
      total: record.idle.total,
      byClient: record.idle.byClient,
    },
    // Per fault: the share of the quota the main key used in the window from it, and in the next.
    faults: record.steps
      .filter((s) => !['auth', 'delete', 'evict'].includes(s.do))
      .map((s) => ({
        at: Math.round(s.t - record.t0),
        do: s.do,
        quotaUsed: [0, 1].map((k) => {
          const from = Math.max(s.t, record.t0 ?? s.t) + k * plan.windowMs;
          const sent = record.arrivals.filter(
            (a) => a.limitKey === MAIN_KEY && a.t >= from && a.t < from + plan.windowMs,
          );
          return Number((sent.length / plan.limit).toFixed(2));
        }),
        ...(s.result ? { result: s.result } : {}),
      })),
  };
}

/** The names of the checks `violations` failed. */
const checksOf = (violations) => [...new Set(violations.map((v) => v.check))];

/** Every check of a run, on its plan and record. */
const checkAll = (plan, record, dir) => [
  ...checkInvariants(plan, record),
  ...checkGoals(plan, record),
  ...secretsInLogs(plan, dir),
];

/**
 * The checks again, on every failing run kept in test-results/faults/runs/ (after a check changed):
 * [{ name, before, after }] with the checks each failed.
 */
export function recheckKept() {
  const runs = join(RESULTS, 'runs');
  let names = [];
  try {
    names = readdirSync(runs);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const dir = join(runs, name);
    let kept;
    try {
      kept = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    } catch {
      return [];
    }
    return [{ name, before: checksOf(kept.violations), after: checksOf(checkAll(kept.plan, kept.record, dir)) }];
  });
}

/**
 * Runs `spec` ({ seed } or { case }) and returns { name, spec, ok, violations, durationMs, replay,
 * schedule, summary }. A passing run's instance logs are removed; a failing one's are kept.
 */
export async function runOne(spec) {
  const plan = spec.case ? caseNamed(spec.case)?.plan() : planOf(spec.seed);
  if (!plan) throw new Error(`no case named ${spec.case}`);
  const dir = join(RESULTS, 'runs', plan.name);
  rmSync(dir, { recursive: true, force: true });
  const started = now();
  let record = await simulate(plan, dir);
  // A fleet that could not even start (a machine too busy to start Nest in a minute) is tried once more.
  if (record.errors.length > 0 && record.t0 === undefined) record = await simulate(plan, dir);
  const violations = checkAll(plan, record, dir);
  const result = {
    name: plan.name,
    spec,
    ok: violations.length === 0,
    harnessError: record.errors.length > 0,
    violations,
    durationMs: Math.round(now() - started),
    replay: replayCommand(spec),
    schedule: describePlan(plan),
    summary: summarise(plan, record),
  };
  if (result.ok) rmSync(dir, { recursive: true, force: true });
  else writeFileSync(join(dir, 'result.json'), JSON.stringify({ ...result, plan, record }, null, 1));
  return result;
}

// The long run's worker: one run, its result over IPC, then exit.
if (process.argv[2] === '--worker') {
  installCleanup();
  const spec = JSON.parse(process.argv[3]);
  runOne(spec).then(
    (result) => process.send?.({ type: 'result', result }, () => process.exit(0)),
    (error) => process.send?.({ type: 'error', error: error?.stack ?? String(error) }, () => process.exit(1)),
  );
}
