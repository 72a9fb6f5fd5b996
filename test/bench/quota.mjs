// Measure 1: the quota at its limit. Three instances sharing one redis-server against a fake
// OpenCX that refuses past 500 calls a minute, 1,000 distinct users at once, for a fixed and a
// rolling upstream window (quick mode: the scaled run of the Redis suite).
import { runQuota } from '../support/quota-run.mjs';
import { startRedis } from '../support/redis-server.mjs';
import { QUICK, fmt, row } from './lib.mjs';

const FULL = { instances: 3, users: 1_000, perWindow: 500, windowMs: 60_000, maxWait: 60_000 };
const SCALED = { instances: 3, users: 100, perWindow: 40, windowMs: 3_000, maxWait: 3_000 };

export async function quota() {
  const size = QUICK ? SCALED : FULL;
  const redis = await startRedis();
  const rows = [];
  try {
    for (const upstreamWindow of ['fixed', 'rolling']) {
      await redis.flush();
      const r = await runQuota({ ...size, upstreamWindow, redis: redis.url });
      const use = Math.min(...r.quotaUse);
      const label = `1. quota, ${upstreamWindow} upstream window`;
      rows.push(
        row(
          `${label}: upstream 429s`,
          String(r.upstream429),
          '0',
          r.upstream429 === 0,
          'the fleet never exceeded the quota',
        ),
        row(
          `${label}: quota used per full window`,
          `${fmt(use * 100, 1)}%`,
          '≥ 95%',
          use >= 0.95,
          'while calls were queued',
        ),
        row(
          `${label}: calls failed that could have been served`,
          String(r.servedBelowServable + r.otherErrors),
          '0',
          r.servedBelowServable + r.otherErrors === 0,
          `${r.served} served, ${r.limited} refused at once (their slot lay beyond maxWait)`,
        ),
        row(
          `${label}: wait p50 / p99`,
          `${fmt(r.p50WaitMs)} / ${fmt(r.p99WaitMs)} ms`,
          undefined,
          undefined,
          'time from call to answer',
        ),
      );
    }
  } finally {
    await redis.stop();
  }
  return rows;
}
