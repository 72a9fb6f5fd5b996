// Measure 1: the quota at its limit, judged by its worst run. Three instances sharing one
// redis-server against a fake OpenCX that refuses past 500 calls a minute, 1,000 distinct users at
// once, for a fixed and a rolling upstream window, each BENCH_QUOTA_RUNS times (10; 1 in quick
// mode) on an idle machine and with every core kept busy (quick mode: the scaled run of the Redis
// suite). Then Redis fails mid-window, once each way, idle and loaded (quick mode: fixed window,
// idle): killed, frozen for half a window, and restarted empty followed by a wave of new users. A
// goal is met only when every run had no upstream 429 and at most the quota in any sliding window;
// "quota used" can never read more than 100% as met.
import { loadEveryCore } from '../support/busy-cores.mjs';
import { runQuota } from '../support/quota-run.mjs';
import { startRedis } from '../support/redis-server.mjs';
import { QUICK, fmt, row } from './lib.mjs';

const FULL = { instances: 3, users: 1_000, perWindow: 500, windowMs: 60_000, maxWait: 60_000 };
const SCALED = { instances: 3, users: 100, perWindow: 40, windowMs: 3_000, maxWait: 3_000 };

const RUNS = Number(process.env.BENCH_QUOTA_RUNS ?? (QUICK ? 1 : 10));
/** Which Redis faults to run: killed, frozen, restarted (all by default). */
const FAULT_KEYS = process.env.BENCH_QUOTA_FAULTS?.split(',');

/** Runs `work` with every core kept busy, as on a loaded CI machine. */
async function loaded(work) {
  const unload = loadEveryCore();
  try {
    return await work();
  } finally {
    unload();
  }
}

/** Redis failing halfway through the first window: the events of one run, and its first burst's size. */
const FAULTS = [
  {
    name: 'redis-server killed mid-window',
    key: 'killed',
    users: (size) => size.users,
    events: (redis, size) => [{ ms: size.windowMs / 2, act: () => redis.process.kill('SIGKILL') }],
  },
  {
    name: 'redis-server frozen mid-window for half a window',
    key: 'frozen',
    users: (size) => size.users,
    events: (redis, size) => [
      { ms: size.windowMs / 2, act: redis.freeze },
      { ms: size.windowMs, act: redis.thaw },
    ],
  },
  {
    // One window's worth served, then the keys that said so are lost; new users arrive at once when
    // the breaker's 5 s cool-down has passed, so Redis answers again, without its keys.
    name: 'redis-server restarted empty mid-window, then a wave of new users',
    key: 'restarted',
    users: (size) => size.perWindow,
    events: (redis, size) => [
      { ms: size.windowMs / 2, act: redis.restart },
      { ms: size.windowMs / 2 + 6_000, users: Math.round(0.6 * size.perWindow) },
    ],
  },
];

export async function quota() {
  const size = QUICK ? SCALED : FULL;
  const rows = [];
  for (const upstreamWindow of RUNS > 0 ? ['fixed', 'rolling'] : []) {
    for (const busy of [false, true]) {
      const results = [];
      for (let i = 0; i < RUNS; i++) {
        // A fresh redis-server a run: a flushed one is a lost state, which the fleet counts as a used window.
        const redis = await startRedis();
        try {
          const go = () => runQuota({ ...size, upstreamWindow, redis: redis.url });
          results.push(busy ? await loaded(go) : await go());
        } finally {
          await redis.stop();
        }
      }
      rows.push(...judge(`1. quota, ${upstreamWindow} window, ${busy ? 'every core busy' : 'idle'}`, results, size));
    }
  }
  for (const fault of FAULTS.filter((f) => !FAULT_KEYS || FAULT_KEYS.includes(f.key))) {
    for (const upstreamWindow of QUICK ? ['fixed'] : ['fixed', 'rolling']) {
      for (const busy of QUICK ? [false] : [false, true]) {
        const redis = await startRedis();
        try {
          const go = () =>
            runQuota({
              ...size,
              users: fault.users(size),
              upstreamWindow,
              redis: redis.url,
              events: fault.events(redis, size),
            });
          const result = busy ? await loaded(go) : await go();
          rows.push(
            ...judgeFault(
              `1. quota, ${fault.name}, ${upstreamWindow} window, ${busy ? 'every core busy' : 'idle'}`,
              result,
              size,
            ),
          );
        } finally {
          await redis.stop();
        }
      }
    }
  }
  return rows;
}

/** A fault's rows: the quota is the promise; calls refused while the fleet is unsure are the price. */
function judgeFault(label, result, size) {
  return [
    row(`${label}: upstream 429s`, String(result.upstream429), '0', result.upstream429 === 0, `${result.sent} sent`),
    row(
      `${label}: most requests in any sliding window`,
      String(result.mostInWindow),
      `≤ ${size.perWindow}`,
      result.mostInWindow <= size.perWindow,
      `${result.served} served, ${result.limited} refused with OpenCxClientRateLimitError, ${result.otherErrors} other errors${result.otherErrors ? ` (${result.otherErrorClasses.join(', ')})` : ''}`,
    ),
  ];
}

/** The rows for one configuration: every run's worst, never a median. */
function judge(label, results, size) {
  const worst429 = Math.max(...results.map((r) => r.upstream429));
  const most = Math.max(...results.map((r) => r.mostInWindow));
  const use = Math.min(...results.flatMap((r) => r.quotaUse));
  const useMax = Math.max(...results.flatMap((r) => r.quotaUse));
  return [
    row(
      `${label}: upstream 429s (every run)`,
      results.map((r) => r.upstream429).join(' '),
      '0 in every run',
      worst429 === 0,
      `${results.length} runs`,
    ),
    row(
      `${label}: most requests in any sliding window`,
      String(most),
      `≤ ${size.perWindow}`,
      most <= size.perWindow,
      'the worst run',
    ),
    row(
      `${label}: quota used per full window`,
      `${fmt(use * 100, 1)}–${fmt(useMax * 100, 1)}%`,
      '95–100%',
      use >= 0.95 && useMax <= 1,
      'while calls were queued; above 100% is a failure',
    ),
    row(
      `${label}: calls failed that could have been served`,
      String(Math.max(...results.map((r) => r.servedBelowServable + r.otherErrors))),
      '0',
      results.every((r) => r.servedBelowServable + r.otherErrors === 0),
      'the worst run',
    ),
    row(
      `${label}: wait p99 (worst run)`,
      `${fmt(Math.max(...results.map((r) => r.p99WaitMs)))} ms`,
      undefined,
      undefined,
      'time from call to answer',
    ),
  ];
}
