// `npm run test:faults`: the seeded fault simulation of the fleet (docs/reliability.md).
//   -- --seeds N [--from S]   N seeds from S (default 1000 from 1), --parallel P runs at once
//   -- --minutes M            start no run after M minutes (a long run in the time there is)
//   -- --seed S               replay one seed
//   -- --case NAME            one named regression case (--cases lists them)
//   -- --short                the CI form: every named case (but the open ones), then a few seeds
//   -- --to-docs              after a long run, write its figure into docs/reliability.md
//   -- --recheck              the checks again on the failing runs kept (after a check changed)
// Results go to test-results/faults/; a failing run keeps its instance logs and full record there.
import { fork } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASES } from './cases.mjs';
import { now } from './clock.mjs';
import { RESULTS, recheckKept, replayCommand, runOne } from './one-run.mjs';
import { installCleanup, sweepOrphans } from './processes.mjs';

const ONE_RUN = fileURLToPath(new URL('./one-run.mjs', import.meta.url));
const DOCS = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));
const SHORT_SEEDS = 3;

function parse(argv) {
  const args = { parallel: availableParallelism() };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === '--seeds') args.seeds = Number(value());
    else if (flag === '--from') args.from = Number(value());
    else if (flag === '--seed') args.seed = Number(value());
    else if (flag === '--case') args.case = value();
    else if (flag === '--parallel') args.parallel = Number(value());
    else if (flag === '--minutes') args.minutes = Number(value());
    else if (flag === '--short') args.short = true;
    else if (flag === '--cases') args.listCases = true;
    else if (flag === '--recheck') args.recheck = true;
    else if (flag === '--to-docs') args.toDocs = true;
    else throw new Error(`unknown option ${flag}`);
  }
  for (const name of ['seeds', 'from', 'seed', 'parallel', 'minutes']) {
    if (
      args[name] !== undefined &&
      !(Number.isInteger(args[name]) && args[name] >= (name === 'from' || name === 'seed' ? 0 : 1))
    ) {
      throw new Error(`--${name} must be a whole number`);
    }
  }
  return args;
}

/** `count` seeds from `from`. */
const seedRange = (count, from) => Array.from({ length: count }, (_, i) => ({ seed: from + i }));

/** The runs asked for, in order. */
function specsOf(args) {
  if (args.seed !== undefined) return [{ seed: args.seed }];
  if (args.case !== undefined) return [{ case: args.case }];
  if (args.short)
    return [
      ...CASES.filter((c) => !c.open).map((c) => ({ case: c.name })),
      ...seedRange(args.seeds ?? SHORT_SEEDS, args.from ?? 1),
    ];
  return seedRange(args.seeds ?? 1000, args.from ?? 1);
}

/** Longest a run may take, start-up twice and six idle windows included, before it counts as hung. */
const RUN_LIMIT_MS = 10 * 60_000;

/** Runs `spec` in a worker process of its own; resolves with its result. */
const workers = new Set();
function inWorker(spec) {
  return new Promise((resolve) => {
    const worker = fork(ONE_RUN, ['--worker', JSON.stringify(spec)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    workers.add(worker);
    let result;
    worker.on('message', (message) => {
      result =
        message.type === 'result'
          ? message.result
          : {
              spec,
              name: spec.case ?? `seed-${spec.seed}`,
              ok: false,
              harnessError: true,
              violations: [{ check: 'harness', message: message.error }],
            };
    });
    worker.on('error', () => undefined);
    // A worker that hangs is stopped (it kills what it started), then killed: the long run goes on.
    const limit = setTimeout(() => {
      worker.kill('SIGTERM');
      setTimeout(() => worker.kill('SIGKILL'), 5_000).unref();
    }, RUN_LIMIT_MS);
    worker.once('exit', (code, signal) => {
      clearTimeout(limit);
      workers.delete(worker);
      resolve(
        result ?? {
          spec,
          name: spec.case ?? `seed-${spec.seed}`,
          ok: false,
          harnessError: true,
          violations: [{ check: 'harness', message: `worker exited with ${code ?? signal}` }],
          replay: replayCommand(spec),
        },
      );
    });
  });
}

/** Stops the workers gently (each kills what it started), then for good. */
function stopWorkers(signal) {
  for (const worker of workers) worker.kill(signal);
  setTimeout(() => {
    for (const worker of workers) worker.kill('SIGKILL');
  }, 5_000).unref();
}

function report(result) {
  const mark = result.ok ? 'ok  ' : result.harnessError ? 'ERR ' : 'FAIL';
  console.log(`${mark} ${result.name} (${((result.durationMs ?? 0) / 1000).toFixed(0)} s)`);
  if (result.ok) return;
  if (result.schedule) console.log(result.schedule.replace(/^/gm, '     '));
  // The first few of each check, then how many more: one break often shows in many calls.
  const byCheck = new Map();
  for (const v of result.violations) byCheck.set(v.check, [...(byCheck.get(v.check) ?? []), v]);
  for (const [check, list] of byCheck) {
    for (const v of list.slice(0, 3))
      console.log(`     ✗ ${check}: ${v.message}${v.detail ? ` ${JSON.stringify(v.detail)}` : ''}`);
    if (list.length > 3) console.log(`     ✗ ${check}: ... and ${list.length - 3} more`);
  }
  console.log(`     replay: ${result.replay}`);
}

async function main() {
  const args = parse(process.argv.slice(2));
  if (args.recheck) {
    for (const run of recheckKept())
      console.log(`${run.name}: ${run.before.join(', ') || 'passed'} → ${run.after.join(', ') || 'passes now'}`);
    return 0;
  }
  if (args.listCases) {
    for (const c of CASES)
      console.log(`${c.name}${c.open ? ' (open: not fixed yet)' : ''}\n  ${c.what}\n  broke: ${c.broke}`);
    return 0;
  }
  const swept = sweepOrphans();
  if (swept.length > 0)
    console.log(`swept ${swept.length} processes left by a harness that was killed: ${swept.join(' ')}`);
  const specs = specsOf(args);
  mkdirSync(RESULTS, { recursive: true });
  const log = join(RESULTS, 'results.jsonl');
  writeFileSync(log, '');
  const started = now();
  const results = [];
  const single = specs.length === 1;
  console.log(`fault simulation: ${specs.length} run${single ? '' : 's'}${single ? '' : `, ${args.parallel} at once`}`);
  if (args.short)
    for (const open of CASES.filter((c) => c.open)) console.log(`open ${open.name}: not fixed yet, run it with --case`);
  if (single) {
    setTimeout(() => {
      console.error(`the run did not finish in ${RUN_LIMIT_MS / 60_000} min: stopped`);
      process.exit(2);
    }, RUN_LIMIT_MS).unref();
  }
  let next = 0;
  const stopAt = args.minutes === undefined ? Infinity : started + args.minutes * 60_000;
  const lane = async () => {
    while (next < specs.length && now() < stopAt) {
      const spec = specs[next++];
      const result = single ? await runOne(spec) : await inWorker(spec);
      results.push(result);
      appendFileSync(log, `${JSON.stringify({ ...result, schedule: undefined })}\n`);
      report(result);
    }
  };
  await Promise.all(Array.from({ length: single ? 1 : Math.min(args.parallel, specs.length) }, lane));
  const failed = results.filter((r) => !r.ok);
  const seconds = (now() - started) / 1000;
  const summary = {
    at: new Date().toISOString(),
    runs: results.length,
    failed: failed.map((r) => ({
      name: r.name,
      replay: r.replay,
      checks: [...new Set(r.violations.map((v) => v.check))],
    })),
    seconds: Math.round(seconds),
    seeds: results.filter((r) => r.spec?.seed !== undefined).map((r) => r.spec.seed),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  };
  writeFileSync(join(RESULTS, 'summary.json'), JSON.stringify(summary, null, 1));
  console.log(
    `\n${results.length - failed.length} of ${results.length} passed in ${Math.round(seconds)} s; results in test-results/faults/`,
  );
  for (const f of summary.failed) console.log(`  ${f.name}: ${f.checks.join(', ')}  (${f.replay})`);
  if (args.toDocs) writeFigure(summary);
  return failed.length === 0 ? 0 : 1;
}

/** Writes the run's figure between the markers of docs/reliability.md: generated, never kept by hand. */
function writeFigure(summary) {
  const seeds = summary.seeds;
  const from = seeds.length ? Math.min(...seeds) : 0;
  const range = seeds.length ? `seeds ${from} to ${Math.max(...seeds)}` : 'no seeds';
  const took =
    summary.seconds >= 7_200 ? `${(summary.seconds / 3600).toFixed(1)} h` : `${Math.round(summary.seconds / 60)} min`;
  const names = summary.failed.map((f) => f.name);
  const listed = names.length > 20 ? [...names.slice(0, 20), `and ${names.length - 20} more`] : names;
  const failed = names.length ? ` (${listed.join(', ')})` : '';
  const line = `Last long run, written by \`npm run test:faults -- --seeds ${seeds.length} --from ${from} --to-docs\`: ${summary.runs} runs (${range}), ${summary.runs - summary.failed.length} passed, ${summary.failed.length} failed${failed}, in ${took} on ${summary.machine}, ${summary.at.slice(0, 10)}.`;
  const text = readFileSync(DOCS, 'utf8');
  const marked = /(<!-- fault-simulation:last-long-run -->\n)[\s\S]*?(\n<!-- \/fault-simulation:last-long-run -->)/;
  if (!marked.test(text)) throw new Error('docs/reliability.md has no fault-simulation markers');
  writeFileSync(DOCS, text.replace(marked, `$1${line}$2`));
  console.log('wrote the figure to docs/reliability.md');
}

installCleanup();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.prependListener(signal, () => stopWorkers(signal));
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error?.message ?? error);
    process.exitCode = 2;
  },
);
