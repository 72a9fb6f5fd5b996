// The goals for faults (docs/reliability.md, "Faults cost little quota"), measured on a run's record:
// - cut-off: while Redis cannot be reached, an instance with calls waiting sends again within a
//   window (plus the time to notice);
// - refusals: no call is refused by the client-side limit while a send would have fitted within its
//   wait: in the fleet's quota while Redis answers, in the instance's share while it is cut off;
// - recovery: in the window after Redis answers again, and after an instance dies, no capacity
//   stays unused for long while a call waits.
// Each test is on the arrivals the fake saw, with the library's margin (a second a minute) and a
// request's time in transit granted, and the time an instance could not run excused.
import { CLOCK_EPSILON_MS, groupBy } from './invariants.mjs';
import { limitKeys } from './plan.mjs';
import { tokenSerial } from './upstream.mjs';
import { longestLagWithin, outages, redisUpThroughout } from './timeline.mjs';

/** How long a free slot may stay unused while a call waits, or a cut-off instance's gap may overrun. */
export const IDLE_SLOT_TOLERANCE_MS = 300;
/** A request's time from the library to the fake and back: the library counts a send until its answer. */
const TRANSIT_MS = 100;

const violation = (check, message, detail) => ({ check, message, detail });

/** The arrival times of `arrivals`, sorted. */
const sortedOf = (arrivals) => arrivals.map((a) => a.t).toSorted((x, y) => x - y);

/** Whether one more send at `u` keeps every window of `windowMs` that holds `u` within `limit`. */
export function roomAt(sorted, u, windowMs, limit) {
  const count = (from) => firstAtOrAfter(sorted, from + windowMs) - firstAtOrAfter(sorted, from);
  // The fullest window holding u starts at u or at an arrival before it (see busiestWindow).
  let most = count(u);
  for (let i = firstAtOrAfter(sorted, u - windowMs); i < sorted.length && sorted[i] <= u; i++) {
    if (sorted[i] > u - windowMs) most = Math.max(most, count(sorted[i]));
  }
  return most + 1 <= limit;
}

/** The index of the first of `sorted` at or after `t`. */
function firstAtOrAfter(sorted, t) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** When the call's instance last sent a request for its contact before the call ended, or undefined. */
function lastSend(sends, call) {
  const mine =
    sends.get(`${call.instance}\u0000${call.op === 'delete' ? call.contactId : call.email.trim().toLowerCase()}`) ?? [];
  let last;
  for (const a of mine) if (a.t >= call.startedAt - CLOCK_EPSILON_MS && a.t <= call.endedAt) last = a.t;
  return last;
}

/** Every call that needed OpenCX (a cache hit did not), with its limit key, its wait and when it stopped waiting. */
function demands(plan, record) {
  const issued = new Map(record.tokens.map((t) => [t.serial, t]));
  const keys = limitKeys(plan);
  const sends = groupBy(record.arrivals, (a) => `${a.instance}\u0000${a.email ?? a.contactId}`);
  const out = [];
  for (const call of record.calls) {
    if (!['auth', 'delete'].includes(call.op) || call.startedAt === undefined) continue;
    if (
      call.ok &&
      call.op === 'auth' &&
      (issued.get(tokenSerial(call.token))?.issuedAt ?? 0) < call.startedAt - CLOCK_EPSILON_MS
    )
      continue;
    const key = call.apiKey ?? plan.registrations.find((r) => r.name === call.reg).key;
    const wait = Math.min(plan.options.rateLimit.maxWait, call.totalTimeout ?? plan.options.totalTimeout);
    // A call served stopped waiting when its own request went out (or, sharing another's, when it ended).
    const sentAt = call.ok ? lastSend(sends, call) : undefined;
    // A refusal by the client-side limit; a time-out may have other causes (a slow store), and
    // the deadline check covers it.
    const refused = !call.ok && call.errorClass === 'OpenCxClientRateLimitError' && call.reason !== 'max-queue';
    // A refused call would have waited its whole wait; one that failed otherwise waited until it ended.
    const ended = refused ? call.startedAt + wait : Math.min(call.endedAt ?? Infinity, call.startedAt + wait);
    const until = call.ok ? Math.min(sentAt ?? call.endedAt, call.startedAt + wait) : ended;
    out.push({ call, limitKey: keys[key], from: call.startedAt, until, refused });
  }
  return out;
}

/**
 * The incarnations the fleet may not have heard of when Redis was lost at `t`, so that their share
 * could be the others' (with no `rateLimit.instances` to say how many share the key): those that
 * never joined, or joined within a forget period (three heartbeats), a heartbeat and a timeout of
 * it (by then each has beaten once with every live member counting it). They have no share of their
 * own while Redis is out: neither the cut-off goal nor their share's refusals apply to them.
 */
function unheardAt(plan, record, t) {
  if (plan.options.rateLimit.instances) return new Set();
  const heard = t - (4 * plan.heartbeat + plan.options.redisTimeout);
  return new Set(
    record.lifecycle.filter((e) => e.event === 'ready' && (!e.joined || e.t > heard)).map((e) => e.instance),
  );
}

/**
 * Spans in which room does not make a refusal servable: a clock stepped back may refuse for as long
 * as the step, and a dead instance's share may take a window (after it is noticed) to return.
 */
function excusedSpans(record, settle) {
  return record.steps.flatMap((s) =>
    s.do === 'clock-step' && s.deltaMs < 0
      ? [{ from: s.t, to: s.t - s.deltaMs }]
      : s.do === 'instance-kill'
        ? [{ from: s.t, to: s.t + settle }]
        : [],
  );
}

export function checkGoals(plan, record) {
  if (record.errors.length > 0) return [];
  const out = [];
  const w = plan.windowMs * (61 / 60) + TRANSIT_MS;
  const detect = plan.options.redisTimeout + 250;
  const reconnect = detect + 500;
  const end = record.loadEnd ?? record.end;
  const cuts = outages(record, end);
  const wants = demands(plan, record);
  const byKey = groupBy(
    record.arrivals.filter((a) => a.limitKey),
    (a) => a.limitKey,
  );
  const fleetTimes = new Map([...byKey].map(([k, v]) => [k, sortedOf(v)]));
  const excused = excusedSpans(record, detect + w);
  const alive = new Set(record.lifecycle.filter((e) => e.event === 'ready').map((e) => e.instance));
  const share = Math.max(1, Math.floor(plan.limit / plan.instances));

  // Refusals.
  const kills = record.steps.filter((s) => s.do === 'instance-kill').map((s) => s.t);
  for (const d of wants.filter((x) => x.refused)) {
    const { call } = d;
    const cut = cuts.find((c) => d.from < c.to && d.until > c.from);
    let servable;
    // Room counts at a moment no excuse covers, while the call's instance was running, and before any
    // instance died after the call began: the slots a death frees were booked when it was refused.
    const fits = (sorted, u, limit) =>
      !excused.some((e) => u >= e.from && u < e.to) &&
      !kills.some((t) => t > d.from && t <= u) &&
      longestLagWithin(record, call.instance, u - 200, u + 200) < 100 &&
      roomAt(sorted, u, w, limit);
    // Once Redis answers again, the fleet may take a window to be back to the whole quota.
    if (!cut && redisUpThroughout(record, d.from - reconnect - w, d.until)) {
      const sorted = fleetTimes.get(d.limitKey) ?? [];
      for (let u = d.from; u <= d.until - TRANSIT_MS && servable === undefined; u += 25)
        if (fits(sorted, u, plan.limit)) servable = u;
    } else if (
      cut &&
      d.from >= cut.from &&
      d.until <= cut.to &&
      !unheardAt(plan, record, cut.from).has(call.instance)
    ) {
      const own = sortedOf((byKey.get(d.limitKey) ?? []).filter((a) => a.instance === call.instance));
      for (
        let u = Math.max(d.from, cut.from + detect + w);
        u <= d.until - TRANSIT_MS && servable === undefined;
        u += 25
      )
        if (fits(own, u, share)) servable = u;
    }
    if (servable !== undefined) {
      out.push(
        violation(
          'refusals',
          `${call.op} refused (${call.errorClass}${call.reason ? ` ${call.reason}` : ''}) although ${cut ? "its instance's share" : 'the quota'} had room ${Math.round(servable - d.from)} ms into its wait`,
          { at: Math.round(d.from - record.t0), instance: call.instance, during: cut ? 'outage' : 'redis up' },
        ),
      );
    }
  }

  // Cut off: an instance with calls waiting sends again within a window (and the time to notice).
  for (const cut of cuts) {
    const unheard = unheardAt(plan, record, cut.from);
    for (const name of alive) {
      if (unheard.has(name)) continue;
      const mine = wants.filter((d) => d.call.instance === name && d.until > cut.from && d.from < cut.to);
      if (mine.length === 0) continue;
      const sends = record.arrivals
        .filter((a) => a.instance === name && a.t >= cut.from && a.t < cut.to)
        .map((a) => a.t);
      const marks = [cut.from, ...sends.toSorted((x, y) => x - y), cut.to];
      for (let i = 0; i + 1 < marks.length; i++) {
        for (const span of covered(mine, marks[i], marks[i + 1])) {
          const allowed = w + detect + IDLE_SLOT_TOLERANCE_MS + longestLagWithin(record, name, span.from, span.to);
          if (span.to - span.from > allowed) {
            out.push(
              violation(
                'cut-off',
                `instance ${name} sent nothing for ${Math.round(span.to - span.from)} ms while calls waited and Redis was unreachable (allowed ${Math.round(allowed)})`,
                { at: Math.round(span.from - record.t0) },
              ),
            );
          }
        }
      }
    }
  }

  // After Redis answers again, and after an instance dies: the window after the next one is used.
  const events = [
    ...cuts.filter((c) => c.to < end).map((c) => ({ what: 'Redis answered again', t: c.to + reconnect })),
    ...record.steps
      .filter((s) => s.do === 'instance-kill')
      .map((s) => ({ what: `instance ${s.instance} died`, t: s.t + detect, died: s.t })),
  ];
  // As for refusals: a dead instance's booked slots and share may take a window to return (its own
  // event checks the window after that), and a backward clock step may hold sends for its length.
  for (const event of events) {
    const from = event.t + w;
    const to = Math.min(from + w, end);
    if (!redisUpThroughout(record, event.t, to)) continue;
    // As for refusals: a call refused before the death was refused for slots the dead instance had
    // booked then; it is not waiting for the slots its death frees.
    const waiting = event.died === undefined ? wants : wants.filter((d) => !d.refused || d.from > event.died);
    const idleAt = unusedSlot(plan, record, waiting, fleetTimes, from, to, w, excused);
    if (idleAt)
      out.push(
        violation(
          'recovery',
          `${event.what}: a slot stayed free for ${IDLE_SLOT_TOLERANCE_MS} ms in the second window after, while a call waited`,
          { at: Math.round(idleAt - record.t0) },
        ),
      );
  }
  return out;
}

/** The parts of [from, to) in which some of `demand` waited, merged. */
function covered(demand, from, to) {
  const spans = demand
    .map((d) => ({ from: Math.max(from, d.from), to: Math.min(to, d.until) }))
    .filter((s) => s.to > s.from)
    .toSorted((a, b) => a.from - b.from);
  const merged = [];
  for (const s of spans) {
    const last = merged.at(-1);
    if (last && s.from <= last.to) last.to = Math.max(last.to, s.to);
    else merged.push({ ...s });
  }
  return merged;
}

/** A time in [from, to) when a call waited, one more send fitted, and none came for the tolerance; else undefined. */
function unusedSlot(plan, record, wants, fleetTimes, from, to, w, excused) {
  for (let u = from; u < to - IDLE_SLOT_TOLERANCE_MS; u += 50) {
    if (excused.some((span) => u >= span.from && u < span.to)) continue;
    const waiting = wants.find(
      (d) =>
        d.from <= u - IDLE_SLOT_TOLERANCE_MS &&
        d.until > u + IDLE_SLOT_TOLERANCE_MS &&
        longestLagWithin(record, d.call.instance, u - IDLE_SLOT_TOLERANCE_MS, u + IDLE_SLOT_TOLERANCE_MS) < 100 &&
        roomAt(fleetTimes.get(d.limitKey) ?? [], u, w, plan.limit),
    );
    if (!waiting) continue;
    const sorted = fleetTimes.get(waiting.limitKey) ?? [];
    if (!sorted.some((t) => t >= u && t <= u + IDLE_SLOT_TOLERANCE_MS)) return u;
  }
  return undefined;
}
