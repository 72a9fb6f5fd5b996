// Named regression cases: schedules written out, each for one break the simulation found, with the
// checks it failed (`broke`): on the library at commit 88b39d6, or where it says, at 62c2dd3 (the
// redesigned Redis store). They run in the short form
// (`npm run test:faults -- --short`) and alone with `-- --case <name>`. Each is expected to pass once
// its break is fixed; a case marked `open` is a break not fixed yet, left out of the short form (and
// said there) until it is. The two controls have no fault and pass there.
import { MAIN_KEY, heartbeatOf } from './plan.mjs';
import { recordedCases } from './recorded-cases.mjs';

/** A plan with the simulation's usual settings; `shape` overrides them. */
function casePlan(name, shape, steps) {
  const windowMs = shape.windowMs ?? 3_000;
  const limit = shape.limit ?? 20;
  const maxWait = shape.maxWait ?? 2 * windowMs;
  const { options, ...rest } = shape;
  const plan = {
    name,
    seed: undefined,
    instances: 3,
    windowMs,
    limit,
    upstreamWindow: 'rolling',
    redisVia: 'client',
    offlineQueue: false,
    registrations: [{ key: MAIN_KEY }],
    perCallKeys: [],
    idle: { long: false },
    heartbeat: heartbeatOf(windowMs, 50),
    ...rest,
    options: {
      timeout: 2_000,
      totalTimeout: maxWait + windowMs,
      maxRetries: 0,
      retryDelay: 50,
      maxRetryDelay: 200,
      redisTimeout: 500,
      cache: { ttl: 10 * windowMs },
      rateLimit: { perMinute: limit, window: windowMs, maxWait, maxQueue: 1_000 },
      ...options,
    },
  };
  const sorted = steps.toSorted((a, b) => a.at - b.at);
  return { ...plan, loadMs: Math.max(...sorted.map((s) => s.at)) + windowMs, steps: sorted };
}

let user = 0;
/** `count` new users at `at` (spread by `spreadMs`), on the given slots in turn. */
function users(at, count, slots, { spreadMs = 0, ...extra } = {}) {
  return Array.from({ length: count }, (_, i) => ({
    at: at + Math.floor((i * spreadMs) / Math.max(1, count)),
    do: 'auth',
    slot: slots[i % slots.length],
    email: `c${user++}@sim.test`,
    ...extra,
  }));
}

/** The cases, by name: `plan()` builds the schedule (through caseNamed, the same each time). */
export const CASES = [
  {
    name: 'control-steady-overload',
    broke: 'nothing: a control without faults, so the checks are seen to pass a healthy fleet',
    what: 'demand of twice the quota spread over ten seconds, on three instances, no fault',
    plan: () => casePlan('control-steady-overload', {}, users(0, 100, [0, 1, 2], { spreadMs: 10_000 })),
  },
  {
    name: 'control-refusing-overload',
    broke: 'nothing: a control without faults in which the limiter must refuse',
    what: 'demand of five times the quota, a wait of one window: most calls are refused, rightly',
    plan: () =>
      casePlan('control-refusing-overload', { maxWait: 3_000 }, users(0, 150, [0, 1, 2], { spreadMs: 4_500 })),
  },
  {
    name: 'case-1-cold-failover',
    broke: 'quota, upstream-429',
    what: 'three instances start with Redis up; Redis is killed before any call and stays down; 4.5 windows of demand',
    plan: () =>
      casePlan('case-1-cold-failover', {}, [
        { at: -1, do: 'redis-kill', phase: 'before-load' },
        ...users(0, 90, [0, 1, 2], { spreadMs: 1_500 }),
      ]),
  },
  {
    name: 'case-2-clock-back',
    broke: 'quota, upstream-429',
    what: "Redis's clock steps back an hour while demand is twice the quota",
    plan: () =>
      casePlan('case-2-clock-back', {}, [
        ...users(0, 120, [0, 1, 2], { spreadMs: 9_000 }),
        { at: 4_500, do: 'clock-step', deltaMs: -3_600_000 },
      ]),
  },
  {
    name: 'case-4-wrong-types',
    broke: 'store',
    what: 'a hash at the pause key, a string at the log key and a hash at a token key, then calls, evictions and deletes',
    plan: () => {
      const first = users(0, 12, [0, 1, 2]);
      const later = users(2_500, 24, [0, 1, 2], { spreadMs: 6_000 });
      const returning = first.slice(0, 6).flatMap((u, i) => [
        { at: 3_000 + i * 800, do: 'evict', slot: i % 3, email: u.email },
        { at: 3_400 + i * 800, do: i % 2 ? 'delete' : 'auth', slot: (i + 1) % 3, email: u.email },
      ]);
      return casePlan('case-4-wrong-types', {}, [
        ...first,
        { at: 1_500, do: 'garbage', role: 'pause', variant: 'hash', pick: 0 },
        { at: 1_600, do: 'garbage', role: 'log', variant: 'string', pick: 0 },
        { at: 1_700, do: 'garbage', role: 'token', variant: 'hash', pick: 0 },
        ...later,
        ...returning,
      ]);
    },
  },
  {
    name: 'case-4-stale-members',
    broke: 'refusals',
    what: "500 members that stopped beating added to the fleet's membership, then steady demand within the quota",
    plan: () =>
      casePlan('case-4-stale-members', {}, [
        ...users(0, 6, [0, 1, 2]),
        { at: 1_000, do: 'stale-members', count: 500, pick: 0 },
        ...users(1_500, 20, [0, 1, 2], { spreadMs: 6_000 }),
      ]),
  },
  {
    name: 'case-12-idle-commands',
    broke: 'idle',
    what: 'fifty per-call API keys used once each, then the fleet idle for six windows',
    plan: () => {
      const perCallKeys = Array.from({ length: 50 }, (_, i) => `sk_sim_tenant_${i}`);
      const calls = perCallKeys.map((apiKey, i) => ({
        at: i * 40,
        do: 'auth',
        slot: i % 3,
        email: `c${user++}@sim.test`,
        apiKey,
      }));
      return casePlan('case-12-idle-commands', { perCallKeys, idle: { long: true } }, calls);
    },
  },
  {
    name: 'case-20-restart-then-new-users',
    broke: 'quota, upstream-429',
    what: 'one instance uses the whole quota; Redis restarts empty; within a heartbeat new users arrive on the two instances that had not used the key',
    plan: () =>
      casePlan('case-20-restart-then-new-users', { limit: 30 }, [
        ...users(0, 30, [0]),
        { at: 1_500, do: 'redis-restart' },
        ...users(1_700, 18, [1, 2]),
      ]),
  },
  {
    name: 'case-1b-killed-mid-window',
    broke: 'cut-off',
    what: 'Redis killed mid-window under twice the quota of demand, back after three windows',
    plan: () =>
      casePlan('case-1b-killed-mid-window', {}, [
        ...users(0, 120, [0, 1, 2], { spreadMs: 12_000 }),
        { at: 1_500, do: 'redis-kill', phase: 'mid-window' },
        { at: 10_500, do: 'redis-start' },
      ]),
  },
  {
    name: 'case-1b-empty-restart',
    broke: 'quota, upstream-429',
    what: 'Redis restarted empty (a restart of some ms) under steady demand above the quota',
    plan: () =>
      casePlan('case-1b-empty-restart', {}, [
        ...users(0, 100, [0, 1, 2], { spreadMs: 10_000 }),
        { at: 2_000, do: 'redis-restart' },
      ]),
  },
  {
    name: 'case-1b-instance-restart',
    broke: 'recovery, refusals',
    what: 'an instance killed and restarted under steady demand above the quota, its calls going to the new one',
    plan: () =>
      casePlan('case-1b-instance-restart', {}, [
        ...users(0, 100, [0, 1, 2], { spreadMs: 10_000 }),
        { at: 2_000, do: 'instance-kill', slot: 2 },
        { at: 2_500, do: 'instance-start', slot: 2 },
      ]),
  },
  {
    name: 'case-22-short-deadline-drops-sends',
    broke: 'quota, upstream-429',
    what: 'a whole quota of calls in flight (OpenCX takes 400 ms); a call with a 300 ms totalTimeout on another instance; then new users',
    plan: () =>
      casePlan('case-22-short-deadline-drops-sends', { limit: 10, latencyMs: 400 }, [
        ...users(0, 10, [0]),
        ...users(100, 1, [1], { totalTimeout: 300 }),
        ...users(1_500, 10, [2]),
      ]),
  },
  {
    name: 'case-23-evicted-token-served-in-outage',
    broke: 'tokens',
    what: "two users' tokens cached through one instance; another evicts one and deletes the other; Redis dies; the first instance serves both",
    plan: () =>
      casePlan('case-23-evicted-token-served-in-outage', {}, [
        { at: 0, do: 'auth', slot: 0, email: 'evicted@sim.test' },
        { at: 0, do: 'auth', slot: 0, email: 'deleted@sim.test' },
        { at: 1_000, do: 'evict', slot: 1, email: 'evicted@sim.test' },
        { at: 1_000, do: 'delete', slot: 1, email: 'deleted@sim.test' },
        { at: 2_000, do: 'redis-kill', phase: 'idle' },
        { at: 3_000, do: 'auth', slot: 0, email: 'evicted@sim.test' },
        { at: 3_000, do: 'auth', slot: 0, email: 'deleted@sim.test' },
        { at: 4_000, do: 'redis-start' },
      ]),
  },
  {
    name: 'case-15-index-redirect',
    broke: 'tokens',
    what: "two users cached; the two entries of Redis's contact-id index swapped; deleteContact of one; that user again",
    plan: () =>
      casePlan('case-15-index-redirect', {}, [
        { at: 0, do: 'auth', slot: 0, email: 'alice@sim.test' },
        { at: 0, do: 'auth', slot: 0, email: 'bob@sim.test' },
        { at: 1_000, do: 'swap-tokens', kind: 'index', pick: 0 },
        { at: 1_500, do: 'delete', slot: 1, email: 'alice@sim.test' },
        { at: 3_000, do: 'auth', slot: 2, email: 'alice@sim.test' },
      ]),
  },
  {
    name: 'case-24-delete-races-sign-in',
    broke: 'tokens',
    what: "deleteContact while the contact's own sign-in is in flight (OpenCX takes 300 ms to answer it), then the same user again",
    plan: () =>
      casePlan('case-24-delete-races-sign-in', { latencyMs: 300 }, [
        { at: 0, do: 'auth', slot: 0, email: 'racer@sim.test' },
        { at: 100, do: 'delete', slot: 1, email: 'racer@sim.test' },
        { at: 1_500, do: 'auth', slot: 2, email: 'racer@sim.test' },
      ]),
  },
  {
    name: 'case-25-restart-during-outage',
    broke: 'quota, upstream-429 (at 62c2dd3)',
    what: 'Redis killed under steady demand above the quota; an instance killed and started again while Redis is down, so it never meets the fleet',
    plan: () =>
      casePlan('case-25-restart-during-outage', {}, [
        ...users(0, 120, [0, 1, 2], { spreadMs: 12_000 }),
        { at: 1_000, do: 'redis-kill', phase: 'mid-window' },
        { at: 1_500, do: 'instance-kill', slot: 2 },
        { at: 2_000, do: 'instance-start', slot: 2 },
        { at: 12_000, do: 'redis-start' },
      ]),
  },
  {
    name: 'case-26-outage-as-an-instance-joins',
    broke: 'quota, upstream-429 (at 62c2dd3)',
    what: 'an instance killed and started again; Redis killed the moment it has joined the fleet, before the others heard of it',
    plan: () =>
      casePlan('case-26-outage-as-an-instance-joins', {}, [
        ...users(0, 120, [0, 1, 2], { spreadMs: 12_000 }),
        { at: 500, do: 'instance-kill', slot: 2 },
        { at: 1_000, do: 'instance-start', slot: 2, followedBy: { do: 'redis-kill', phase: 'mid-window' } },
        { at: 12_000, do: 'redis-start' },
      ]),
  },
  {
    name: 'case-27-late-look-up-holds-a-lock',
    broke: 'recovery (at 62c2dd3)',
    what: "clients with an offline queue; Redis killed; a user's look-up is queued and given up on, the call served meanwhile; the look-up runs once Redis is back and takes the user's lock; the same user on another instance then waits out that lock",
    plan: () =>
      casePlan('case-27-late-look-up-holds-a-lock', { redisVia: 'ioredis', offlineQueue: true }, [
        { at: 500, do: 'redis-kill', phase: 'mid-window' },
        { at: 550, do: 'auth', slot: 0, email: 'queued@sim.test' },
        { at: 5_000, do: 'redis-start' },
        { at: 6_500, do: 'auth', slot: 1, email: 'queued@sim.test' },
        ...users(6_500, 20, [1, 2], { spreadMs: 6_000 }),
      ]),
  },
  ...recordedCases(),
];

/** The case named `name`, or undefined; its users are named from c0 on each time, so its schedule never changes. */
export function caseNamed(name) {
  const found = CASES.find((c) => c.name === name);
  if (!found) return undefined;
  return {
    ...found,
    plan: () => {
      user = 0;
      return found.plan();
    },
  };
}
