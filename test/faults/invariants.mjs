// The promises checked after every run (docs/reliability.md defines each). A check returns the
// violations it found: { check, message, detail }. None is loosened for a busy machine: where real
// time matters, the allowance is the time the instance's own event loop could not run, as measured.
import { tokenSerial } from './upstream.mjs';
import { busiestWindow, lagWithin, redisUpThroughout, times } from './timeline.mjs';

/** Clock agreement between processes on one machine: two stamps closer than this are not ordered. */
export const CLOCK_EPSILON_MS = 5;
/** Timer and scheduling granularity a call's deadline may overrun by, beyond measured stalls. */
export const DEADLINE_SLACK_MS = 250;
/** How long a store may leave a Redis that failed alone before trying it again. */
export const STORE_RETRY_MS = 5_000;
/**
 * Idle Redis commands per instance per window (one a second at full size, where a window is a
 * minute), and, once idle for six windows, commands naming a contact's or a limiter key's key (none:
 * every key unused since is forgotten, and only the heartbeat that keeps the fleet goes on).
 */
export const IDLE_BUDGET = { perWindow: 60, perKeyLong: 0 };

const violation = (check, message, detail) => ({ check, message, detail });
/** `items` grouped by `by(item)` (Map.groupBy is Node 21+). */
export function groupBy(items, by) {
  const groups = new Map();
  for (const item of items) {
    const key = by(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

const keyOfCall = (plan, call) => call.apiKey ?? plan.registrations.find((r) => r.name === call.reg)?.key;

/** Never more than Q in any sliding window at the fake, per limit key; no upstream 429. */
function quota(plan, record) {
  const out = [];
  const byLimit = groupBy(
    record.arrivals.filter((a) => a.limitKey),
    (a) => a.limitKey,
  );
  for (const [limitKey, arrivals] of byLimit) {
    const worst = busiestWindow(times(arrivals), plan.windowMs);
    if (worst.count <= plan.limit) continue;
    const inWindow = arrivals.filter((a) => a.t >= worst.from && a.t < worst.from + plan.windowMs);
    const perInstance = Object.fromEntries([...groupBy(inWindow, (a) => a.instance)].map(([k, v]) => [k, v.length]));
    out.push(
      violation(
        'quota',
        `${worst.count} requests in one sliding window of ${plan.windowMs} ms (Q ${plan.limit}) for ${limitKey}`,
        {
          from: Math.round(worst.from - record.t0),
          perInstance,
        },
      ),
    );
  }
  const refused = record.arrivals.filter((a) => a.status === 429);
  if (refused.length > 0) {
    out.push(
      violation('upstream-429', `${refused.length} upstream 429s`, {
        first: Math.round(refused[0].t - record.t0),
        instances: [...new Set(refused.map((a) => a.instance))],
      }),
    );
  }
  return out;
}

/** No caller gets another contact's token, or one of a contact deleted or evicted before the call started. */
function tokens(plan, record) {
  const out = [];
  const issued = new Map(record.tokens.map((t) => [t.serial, t]));
  const erased = new Map();
  for (const a of record.arrivals)
    if (a.erased) erased.set(`${a.erased.key}\u0000${a.erased.email}\u0000${a.erased.generation}`, a.t);
  const done = (op) => record.calls.filter((c) => c.op === op && c.ok);
  const deletes = done('delete');
  const evictions = done('evict');
  for (const call of record.calls) {
    if (call.op !== 'auth' || !call.ok) continue;
    const key = keyOfCall(plan, call);
    const email = call.email.trim().toLowerCase();
    const token = issued.get(tokenSerial(call.token));
    const at = Math.round(call.startedAt - record.t0);
    if (!token || token.key !== key || token.email !== email || token.contactId !== call.contactId) {
      out.push(
        violation(
          'tokens',
          `a call for ${email} got ${token ? `${token.email}'s token` : 'a token the fake never issued'}`,
          { at, instance: call.instance },
        ),
      );
      continue;
    }
    const same = (c) => keyOfCall(plan, c) === key && c.email.trim().toLowerCase() === email;
    const deleted = deletes.find(
      (d) =>
        same(d) &&
        d.endedAt < call.startedAt - CLOCK_EPSILON_MS &&
        (erased.get(`${key}\u0000${email}\u0000${token.generation}`) ?? Infinity) <= d.endedAt,
    );
    if (deleted) {
      out.push(
        violation('tokens', `a token of ${email}'s erased contact served after deleteContact resolved`, {
          at,
          deletedAt: Math.round(deleted.endedAt - record.t0),
          instance: call.instance,
        }),
      );
      continue;
    }
    const evicted = evictions.find(
      (e) =>
        same(e) && e.endedAt < call.startedAt - CLOCK_EPSILON_MS && token.issuedAt < e.startedAt - CLOCK_EPSILON_MS,
    );
    if (evicted) {
      out.push(
        violation('tokens', `a token of ${email} issued before evictContact served after it resolved`, {
          at,
          evictedAt: Math.round(evicted.endedAt - record.t0),
          instance: call.instance,
        }),
      );
    }
  }
  return out;
}

/** Every key the library wrote has a TTL, during the run and at its end. */
function ttl(plan, record) {
  const first = new Map();
  for (const sweep of record.ttl)
    for (const m of sweep.missing)
      if (!first.has(m.key)) first.set(m.key, { ...m, at: Math.round(sweep.t - record.t0) });
  return first.size === 0
    ? []
    : [violation('ttl', `${first.size} library keys without a TTL`, [...first.values()].slice(0, 5))];
}

/** An idle fleet sends at most a few Redis commands per window per instance, and none per key once long idle (see IDLE_BUDGET). */
function idle(plan, record) {
  const m = record.idle;
  if (!m || m.instances === 0) return [];
  const window = plan.windowMs + plan.windowMs / 60;
  const perWindow = (count) => (count / m.seconds) * (window / 1000);
  const fleet = perWindow(m.total / m.instances);
  const worstPerWindow = perWindow(Math.max(0, ...Object.values(m.byClient)));
  const perKey = Object.values(m.perKey ?? {}).reduce((sum, count) => sum + count, 0);
  const out = [];
  if (fleet > IDLE_BUDGET.perWindow || worstPerWindow > IDLE_BUDGET.perWindow)
    out.push(
      violation(
        'idle',
        `idle Redis commands: ${fleet.toFixed(1)} per window per instance on average, ${worstPerWindow.toFixed(1)} at most (budget ${IDLE_BUDGET.perWindow}, ${plan.idle.long ? 'idle six windows' : 'right after the load'})`,
        {
          seconds: Number(m.seconds.toFixed(1)),
          total: m.total,
          perSecondPerInstance: Number((m.total / m.instances / m.seconds).toFixed(1)),
          byClient: m.byClient,
          commands: m.commands,
        },
      ),
    );
  if (plan.idle.long && perKey > IDLE_BUDGET.perKeyLong)
    out.push(
      violation('idle', `${perKey} Redis commands on a contact's or limiter key's keys after six idle windows`, {
        seconds: Number(m.seconds.toFixed(1)),
        perKey: m.perKey,
        commands: m.commands,
      }),
    );
  return out;
}

/** Every call ends by its totalTimeout with a token or a typed OpenCxError; Redis answering means no store error. */
function calls(plan, record) {
  const out = [];
  // A store may leave a Redis that failed alone for a while: a window, and at least 5 s.
  const settle = plan.options.redisTimeout + Math.max(plan.windowMs, STORE_RETRY_MS);
  const killedAt = new Map();
  for (const e of record.lifecycle) if (e.event === 'exit') killedAt.set(e.instance, e.t);
  for (const call of record.calls) {
    if (call.op === 'stats' || call.lost === 'not running') continue;
    const at = Math.round(call.sentAt - record.t0);
    if (call.endedAt === undefined) {
      const died = killedAt.get(call.instance);
      // Killed by the schedule (a call sent just as the kill was under way goes with it).
      const byPlan = record.steps.some((s) => s.do === 'instance-kill' && s.instance === call.instance);
      if (!(died !== undefined && byPlan))
        out.push(
          violation('deadline', `${call.op} never ended (${call.lost ?? 'pending'})`, { at, instance: call.instance }),
        );
      continue;
    }
    const limit = call.totalTimeout ?? plan.options.totalTimeout;
    const took = call.endedAt - call.startedAt;
    const stalled = lagWithin(record, call.instance, call.startedAt, call.endedAt);
    if (took > limit + DEADLINE_SLACK_MS + stalled) {
      out.push(
        violation(
          'deadline',
          `${call.op} took ${Math.round(took)} ms, totalTimeout ${limit} (+${DEADLINE_SLACK_MS} + ${Math.round(stalled)} ms stalled)`,
          { at, instance: call.instance, outcome: call.ok ? 'ok' : call.errorClass },
        ),
      );
    }
    if (!call.ok && !call.typed)
      out.push(
        violation('typed', `${call.op} failed with ${call.errorClass}, not an OpenCxError`, {
          at,
          instance: call.instance,
        }),
      );
    if (call.ok && call.op === 'auth' && !call.token)
      out.push(violation('typed', 'authenticateUser resolved without a token', { at }));
    if (call.errorClass === 'OpenCxStoreError' && redisUpThroughout(record, call.startedAt - settle, call.endedAt)) {
      out.push(
        violation('store', `${call.op} failed with OpenCxStoreError while Redis answered`, {
          at,
          instance: call.instance,
        }),
      );
    }
  }
  for (const e of record.lifecycle) {
    if (e.event !== 'exit' || e.signal === 'SIGKILL' || e.code === 0) continue;
    out.push(
      violation('crash', `instance ${e.instance} exited with ${e.code ?? e.signal}`, {
        at: Math.round(e.t - record.t0),
      }),
    );
  }
  return out;
}

/** Every invariant of one run. */
export function checkInvariants(plan, record) {
  if (record.errors.length > 0) return [violation('harness', 'the run did not complete', record.errors)];
  return [
    ...quota(plan, record),
    ...tokens(plan, record),
    ...ttl(plan, record),
    ...idle(plan, record),
    ...calls(plan, record),
  ];
}
