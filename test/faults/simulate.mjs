// Runs one plan against the real library: one redis-server, the counting fake OpenCX, N instances
// as child processes; then an idle stretch (Redis commands counted), the TTL check, and teardown of
// everything it started, also when something fails. Returns what happened, for the checks.
import { mkdirSync } from 'node:fs';
import { createClient } from 'redis';
import { now, sleep } from './clock.mjs';
import { addStaleMembers, swapTokens, writeGarbage } from './corrupt.mjs';
import { createSlot } from './fleet.mjs';
import { keysWithoutTtl } from './keys.mjs';
import { countCommands } from './monitor.mjs';
import { limitKeys } from './plan.mjs';
import { startRedisServer } from './redis.mjs';
import { TIME_OFFSET_KEY } from './redis-wrapper.mjs';
import { startUpstream } from './upstream.mjs';

/** How long the harness waits on its own Redis command before giving up on it (Redis frozen or gone). */
const ADMIN_TIMEOUT_MS = 2_000;

const bounded = (promise, ms = ADMIN_TIMEOUT_MS) =>
  Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error('no answer')))]);

/**
 * @param plan a plan (plan.mjs)
 * @param dir where this run's instance logs go
 */
export async function simulate(plan, dir) {
  mkdirSync(dir, { recursive: true });
  const w = plan.windowMs;
  const record = {
    calls: [],
    steps: [],
    lags: [],
    lifecycle: [],
    redis: [],
    ttl: [],
    idle: undefined,
    errors: [],
  };
  let redis;
  let admin;
  let upstream;
  const slots = [];
  let redisState = 'down';
  const setRedis = (state) => {
    redisState = state;
    record.redis.push({ t: now(), state });
  };
  try {
    redis = await startRedisServer(setRedis);
    admin = createClient({ url: redis.url, disableOfflineQueue: true, socket: { reconnectStrategy: () => 100 } });
    admin.on('error', () => undefined);
    await admin.connect();
    upstream = await startUpstream({
      windowMs: w,
      limit: plan.limit,
      mode: plan.upstreamWindow,
      keys: limitKeys(plan),
      latencyMs: plan.latencyMs,
    });
    const config = {
      redisUrl: redis.url,
      redisVia: plan.redisVia,
      offlineQueue: plan.offlineQueue,
      upstreamUrl: upstream.url,
      registrations: plan.registrations,
      options: plan.options,
      heartbeat: plan.heartbeat,
    };
    for (let i = 0; i < plan.instances; i++) slots.push(createSlot(i, config, record, dir));
    await Promise.all(slots.map((slot) => slot.start()));
    // Every member beats once more after the last one joined: the fleet has met before anything happens.
    await sleep(2 * plan.heartbeat + 100);

    // Redis's host keeps its clock across a restart: the offset is written again at once.
    let offsetMs = 0;
    const keepClock = async () => {
      if (offsetMs !== 0) await bounded(admin.set(TIME_OFFSET_KEY, String(offsetMs))).catch(() => undefined);
    };
    const act = {
      auth: (step, slot) =>
        slot.request({
          op: 'auth',
          reg: step.reg,
          email: step.email,
          apiKey: step.apiKey,
          totalTimeout: step.totalTimeout,
        }),
      delete: (step, slot) => {
        const key = step.apiKey ?? plan.registrations.find((r) => r.name === step.reg).key;
        const { contactId, generation } = upstream.current(key, step.email);
        return slot.request({
          op: 'delete',
          reg: step.reg,
          email: step.email,
          contactId,
          generation,
          apiKey: step.apiKey,
        });
      },
      evict: (step, slot) => slot.request({ op: 'evict', reg: step.reg, email: step.email, apiKey: step.apiKey }),
      'redis-kill': () => redis.kill(),
      'redis-start': () => redis.start().then(keepClock),
      'redis-restart': () => redis.restart().then(keepClock),
      'redis-freeze': () => redis.freeze(),
      'redis-thaw': () => redis.thaw(),
      'clock-step': async (step) => {
        if (redisState !== 'up') return { skipped: `redis ${redisState}` };
        offsetMs += step.deltaMs;
        await bounded(admin.set(TIME_OFFSET_KEY, String(offsetMs)));
        return { offsetMs };
      },
      garbage: (step) =>
        redisState === 'up' ? bounded(writeGarbage(admin, step)) : { skipped: `redis ${redisState}` },
      'stale-members': (step) =>
        redisState === 'up'
          ? bounded(addStaleMembers(admin, { ...step, windowMs: w }))
          : { skipped: `redis ${redisState}` },
      'swap-tokens': (step) =>
        redisState === 'up' ? bounded(swapTokens(admin, step)) : { skipped: `redis ${redisState}` },
      'instance-kill': (step, slot) => slot.kill(),
      'instance-start': (step, slot) => (slot.running ? undefined : slot.start()),
      'instance-freeze': (step, slot) => (slot.running && !slot.frozen ? slot.freeze() : undefined),
      'instance-thaw': (step, slot) => (slot.frozen ? slot.thaw() : undefined),
      'instance-block': (step, slot) => slot.block(step.ms),
    };
    const calls = [];
    const perform = async (step) => {
      const slot = slots[step.slot ?? 0];
      const entry = { ...step, t: now(), instance: slot?.name };
      record.steps.push(entry);
      if (['auth', 'delete', 'evict'].includes(step.do)) {
        const call = act[step.do](step, slot).then((outcome) => record.calls.push(outcome));
        calls.push(call);
        return;
      }
      try {
        entry.result = await act[step.do](step, slot);
      } catch (error) {
        entry.result = { failed: error?.message ?? String(error) };
      }
      // A fault that must follow another at once (a time in the plan could not say when it ends).
      if (step.followedBy) await perform({ ...step.followedBy, at: step.at });
    };

    // Faults before any call run first, in order; then every step at its time from t0.
    for (const step of plan.steps.filter((s) => s.at < 0)) await perform(step);
    const t0 = now() + 100;
    record.t0 = t0;
    const sweeps = setInterval(() => {
      if (redisState !== 'up') return;
      bounded(keysWithoutTtl(admin)).then(
        (missing) => record.ttl.push({ t: now(), missing }),
        () => undefined,
      );
    }, w);
    const timers = plan.steps
      .filter((s) => s.at >= 0)
      .map((step) => new Promise((resolve) => setTimeout(() => resolve(perform(step)), t0 + step.at - now())));
    await Promise.all(timers);
    await sleep(t0 + plan.loadMs - now());
    // Every call ends by its deadline; past the longest one (and some slack) it is left as hung.
    const longest = plan.options.totalTimeout + 5_000;
    await Promise.race([Promise.all(calls), sleep(longest)]);
    record.loadEnd = now();
    clearInterval(sweeps);

    // Back to a working Redis and running instances for the idle stretch.
    await redis.thaw();
    await act['redis-start']();
    for (const slot of slots) if (slot.frozen) slot.thaw();
    await sleep((plan.idle.long ? 6 : 1) * (w + w / 60));
    record.idle = await measureIdle(redis.url, slots, Math.max(2 * w, 4_000));
    record.ttl.push({ t: now(), missing: await bounded(keysWithoutTtl(admin)), final: true });
    record.arrivals = upstream.arrivals;
    record.tokens = [...upstream.tokens.values()];
    record.end = now();
    return record;
  } catch (error) {
    record.errors.push(error?.stack ?? String(error));
    record.arrivals = upstream?.arrivals ?? [];
    record.tokens = [...(upstream?.tokens.values() ?? [])];
    return record;
  } finally {
    await Promise.all(slots.map((slot) => slot.close(3_000).catch(() => slot.kill())));
    admin?.destroy();
    await upstream?.close();
    await redis?.stop();
  }
}

/** Redis commands over an idle stretch of `ms`, as clients sent them (MONITOR), and as each instance's wrapper counted. */
async function measureIdle(url, slots, ms) {
  const live = slots.filter((slot) => slot.running);
  const before = await Promise.all(live.map((slot) => slot.commands()));
  const from = now();
  const counted = await countCommands(url, ms);
  const seconds = (now() - from) / 1000;
  const after = await Promise.all(live.map((slot) => slot.commands()));
  return {
    seconds,
    instances: live.length,
    total: counted.total,
    byClient: counted.byClient,
    perKey: counted.perKey,
    commands: counted.commands,
    wrapper: live.map((slot, i) =>
      before[i] === undefined || after[i] === undefined
        ? undefined
        : { instance: slot.name, commands: after[i] - before[i] },
    ),
  };
}
