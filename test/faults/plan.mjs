// What one run does, drawn from its seed alone: the fleet's shape and settings, a load pattern and a
// fault schedule, as a list of steps at times from the start of the load. Real time makes outcomes
// vary from run to run; the plan never does. Named cases (cases.mjs) are plans written out.
import { KEY_ROLES } from './keys.mjs';
import { variantsOf } from './corrupt.mjs';
import { seeded } from './random.mjs';

export const MAIN_KEY = 'sk_sim_main_key';
const GROUP_KEYS = ['sk_sim_group_a', 'sk_sim_group_b'];
const GROUP = 'sim-org';
/** Calls in one run, at most: enough to press the quota, few enough for two busy cores. */
const MAX_CALLS = 300;

/** The limit key the fake counts each API key under: its group's, or its own. */
export function limitKeys(plan) {
  const keys = {};
  for (const registration of plan.registrations) keys[registration.key] = registration.group ?? registration.key;
  for (const key of plan.perCallKeys) keys[key] = key;
  return keys;
}

/** A heartbeat of `windowMs / perWindow` ms, in whole ms. */
export const heartbeatOf = (windowMs, perWindow) => Math.round(windowMs / perWindow);

/** The settings every instance starts with, from the plan's numbers. */
function settings(r, windowMs, limit, instances) {
  const maxWait = Math.round(windowMs * r.pick([0.5, 1, 1.5, 2]));
  const totalTimeout = maxWait + windowMs + r.int(0, windowMs);
  return {
    timeout: Math.min(2_000, totalTimeout),
    totalTimeout,
    maxRetries: r.pick([0, 1, 2]),
    retryDelay: 50,
    maxRetryDelay: 200,
    redisTimeout: r.pick([250, 500, 1_000]),
    cache: r.chance(0.1) ? false : { ttl: windowMs * r.pick([1, 3, 10]) },
    rateLimit: {
      perMinute: limit,
      window: windowMs,
      maxWait,
      maxQueue: 1_000,
      ...(r.chance(0.3) ? { instances } : {}),
    },
  };
}

/** Call steps for the load: segments of bursts, trickles or waves, with idle gaps between some. */
function load(r, plan) {
  const { windowMs: w, limit } = plan;
  const steps = [];
  const used = new Map();
  let next = 0;
  let t = 0;
  const gaps = [];
  const segments = r.int(1, 3);
  for (let s = 0; s < segments && steps.length < MAX_CALLS; s++) {
    if (s > 0 && r.chance(0.5)) {
      const gap = r.int(w, 2 * w);
      gaps.push([t, t + gap]);
      t += gap;
    }
    const length = r.int(w, Math.round(2.5 * w));
    const count = Math.min(
      MAX_CALLS - steps.length,
      Math.round((r.pick([0.3, 0.7, 1, 1.5, 2.5]) * limit * length) / w),
    );
    const shape = r.pick(['burst', 'trickle', 'waves']);
    const waves = r.int(2, 4);
    for (let i = 0; i < count; i++) {
      const at =
        shape === 'burst'
          ? t + r.int(0, 50)
          : shape === 'trickle'
            ? t + r.int(0, length)
            : t + Math.floor((i % waves) * (length / waves)) + r.int(0, 20);
      const which = r.weighted({
        main: 70,
        group: plan.registrations.length > 1 ? 15 : 0,
        perCall: plan.perCallKeys.length ? 15 : 0,
      });
      const registration = which === 'group' ? r.pick(plan.registrations.slice(1)) : plan.registrations[0];
      const apiKey = which === 'perCall' ? r.pick(plan.perCallKeys) : undefined;
      const key = apiKey ?? registration.key;
      const seen = used.get(key) ?? [];
      used.set(key, seen);
      const returning = seen.length > 0 && r.chance(0.35);
      const email = returning ? r.pick(seen) : `u${next++}@sim.test`;
      if (!returning) seen.push(email);
      const base = { at, slot: r.int(0, plan.instances - 1), reg: registration.name, ...(apiKey ? { apiKey } : {}) };
      const kind = returning ? r.weighted({ auth: 90, delete: 5, evict: 5 }) : 'auth';
      const perCallTimeout =
        kind === 'auth' && r.chance(0.15) ? { totalTimeout: r.int(200, plan.options.totalTimeout) } : {};
      steps.push({ ...base, do: kind, email, ...perCallTimeout });
    }
    t += length;
  }
  return { steps: steps.toSorted((a, b) => a.at - b.at), loadMs: t, gaps };
}

/** One fault of the set, as the steps that make and end it. */
function fault(r, plan, loadMs, gaps) {
  const w = plan.windowMs;
  const at = r.int(Math.round(w / 4), Math.max(Math.round(w / 4), loadMs - Math.round(w / 2)));
  const kind = r.weighted({
    'redis-kill': 3,
    'redis-freeze': 2,
    'redis-restart': 2,
    'clock-step': 2,
    garbage: 3,
    'stale-members': 1,
    'swap-tokens': 1,
    'instance-kill': 2,
    'instance-freeze': 1,
    'instance-block': 1,
  });
  const slot = r.int(0, plan.instances - 1);
  switch (kind) {
    case 'redis-kill': {
      const phase = r.pick(['before-load', 'mid-window', 'idle']);
      const start = phase === 'before-load' ? -1 : phase === 'idle' && gaps.length ? gaps[0][0] + r.int(0, w) : at;
      const down = r.chance(0.3) ? undefined : r.int(Math.round(w / 2), Math.round(2.5 * w));
      const kill = { at: start, do: 'redis-kill', phase: phase === 'idle' && !gaps.length ? 'mid-window' : phase };
      return down === undefined ? [kill] : [kill, { at: Math.max(0, start) + down, do: 'redis-start' }];
    }
    case 'redis-freeze':
      return [
        { at, do: 'redis-freeze' },
        { at: at + r.int(plan.options.redisTimeout / 2, 2 * w), do: 'redis-thaw' },
      ];
    case 'redis-restart':
      return [{ at, do: 'redis-restart' }];
    case 'clock-step': {
      const step = r.chance(0.3) ? 3_600_000 : r.int(Math.round(w / 4), 3 * w);
      return [{ at, do: 'clock-step', deltaMs: r.chance(0.5) ? -step : step }];
    }
    case 'garbage': {
      const role = r.pick(KEY_ROLES.map((row) => row.role));
      return [{ at, do: 'garbage', role, variant: r.pick(variantsOf(role)), pick: r.int(0, 1e6) }];
    }
    case 'stale-members':
      return [{ at, do: 'stale-members', count: r.pick([1, 3, 10, 500]), pick: r.int(0, 1e6) }];
    case 'swap-tokens':
      return [{ at, do: 'swap-tokens', pick: r.int(0, 1e6) }];
    case 'instance-kill': {
      const kill = { at, do: 'instance-kill', slot };
      return r.chance(0.3) ? [kill] : [kill, { at: at + r.int(Math.round(w / 4), 2 * w), do: 'instance-start', slot }];
    }
    case 'instance-freeze':
      return [
        { at, do: 'instance-freeze', slot },
        { at: at + r.int(Math.round(w / 4), Math.round(1.5 * w)), do: 'instance-thaw', slot },
      ];
    default:
      return [{ at, do: 'instance-block', slot, ms: r.int(100, w) }];
  }
}

/** The plan of seed `seed`. */
export function planOf(seed) {
  const r = seeded(seed);
  // Separate streams: adding a field to one part of the plan leaves the others as they were.
  const shape = r.fork();
  const loadStream = r.fork();
  const faultStream = r.fork();
  const instances = shape.int(2, 5);
  const windowMs = shape.pick([2_000, 2_500, 3_000, 4_000, 5_000]);
  const limit = shape.int(10, 40);
  const plan = {
    name: `seed-${seed}`,
    seed,
    instances,
    windowMs,
    limit,
    upstreamWindow: shape.pick(['fixed', 'rolling']),
    redisVia: shape.weighted({ client: 65, ioredis: 20, url: 15 }),
    offlineQueue: shape.chance(0.5),
    registrations: [{ key: MAIN_KEY }],
    perCallKeys: [],
    options: settings(shape, windowMs, limit, instances),
    idle: { long: shape.chance(0.2) },
  };
  if (shape.chance(0.3)) plan.registrations.push(...GROUP_KEYS.map((key, i) => ({ name: `g${i}`, key, group: GROUP })));
  if (shape.chance(0.3)) plan.perCallKeys = Array.from({ length: shape.int(1, 4) }, (_, i) => `sk_sim_tenant_${i}`);
  // The store's heartbeat, scaled with the window: a second a minute (the default) to four.
  plan.heartbeat = heartbeatOf(windowMs, shape.pick([50, 30, 15]));
  const { steps, loadMs, gaps } = load(loadStream, plan);
  const faults = Array.from({ length: Number(faultStream.weighted({ 0: 1, 1: 4, 2: 3, 3: 2 })) }, () =>
    fault(faultStream, plan, loadMs, gaps),
  ).flat();
  // The wrapper is what steps Redis's clock: a URL would bypass it.
  if (plan.redisVia === 'url' && faults.some((step) => step.do === 'clock-step')) plan.redisVia = 'client';
  return { ...plan, loadMs, steps: [...steps, ...faults].toSorted((a, b) => a.at - b.at) };
}

/** One line per step, for a failing seed's report. */
export function describePlan(plan) {
  const { steps, options, ...shape } = plan;
  const faults = steps.filter((step) => !['auth', 'delete', 'evict'].includes(step.do));
  const calls = steps.length - faults.length;
  return [
    `${shape.name}: ${shape.instances} instances, Q ${shape.limit} per ${shape.windowMs} ms (${shape.upstreamWindow}), redis via ${shape.redisVia}${shape.offlineQueue ? ' (offline queue)' : ''}, heartbeat ${shape.heartbeat} ms, ${shape.registrations.length} registrations, ${shape.perCallKeys.length} per-call keys`,
    `  options: ${JSON.stringify(options)}`,
    `  load: ${calls} calls over ${shape.loadMs} ms; idle check ${shape.idle.long ? 'long' : 'short'}`,
    ...faults.map(
      (step) =>
        `  ${String(step.at).padStart(6)} ms  ${step.do} ${JSON.stringify({ ...step, at: undefined, do: undefined })}`,
    ),
  ].join('\n');
}
