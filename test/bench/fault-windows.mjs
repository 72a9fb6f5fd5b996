// What a Redis fault cost in quota, from one run's timeline (see ../support/quota-run.mjs): how long
// an instance with callers waiting sent nothing (while the fleet cannot coordinate, each instance
// keeps serving its share: never nothing for longer than a window), and how much of what waited the
// fleet sent in the window from the fault (up to the instances' shares while Redis is down) and in
// the window from when Redis answered again (it is back to the whole quota within one).
import { fmt, row } from './lib.mjs';

/**
 * The longest an instance may send nothing with callers waiting: a window and the limiter's margin
 * (a sixtieth of it), plus the library's default heartbeat and Redis timeout (a second each), the
 * time it takes to find that Redis failed or answers again.
 */
const silenceGoalMs = (windowMs) => windowMs + windowMs / 60 + 2_000;
/** Of what waited in a window (up to what the fleet may send in it), the share sent in it. */
const USE_GOAL = 0.95;

/** Until when a call wanted an answer: its answer, or for a refused call its maxWait. */
const wantedUntil = (call, maxWait) => (call.served ? call.endedMs : call.startedMs + maxWait);

/**
 * Per instance, the longest stretch overlapping [from, ∞) during which it had a caller waiting and
 * sent nothing upstream (a served call's answer stands for its send: the fake answers at once).
 */
export function longestSilences(calls, instances, maxWait, from) {
  return Array.from({ length: instances }, (_, n) => {
    const mine = calls.filter((c) => c.instance === n);
    const sends = mine
      .filter((c) => c.served)
      .map((c) => c.endedMs)
      .toSorted((a, b) => a - b);
    // The stretches with a caller waiting, merged.
    const wanting = mine.map((c) => [c.startedMs, wantedUntil(c, maxWait)]).toSorted((a, b) => a[0] - b[0]);
    const merged = [];
    for (const [start, end] of wanting) {
      const last = merged.at(-1);
      if (last && start <= last[1]) last[1] = Math.max(last[1], end);
      else merged.push([start, end]);
    }
    let longest = 0;
    for (const [start, end] of merged) {
      const edges = [start, ...sends.filter((t) => t > start && t < end), end];
      for (let k = 1; k < edges.length; k++) if (edges[k] > from) longest = Math.max(longest, edges[k] - edges[k - 1]);
    }
    return longest;
  });
}

/** Requests that reached OpenCX in [from, to). */
const arrivalsIn = (arrivals, from, to) => arrivals.filter((t) => t >= from && t < to).length;

/**
 * Of the callers still waiting at some moment of [from, from + window), up to `cap`, the share the
 * fleet sent in that window: what it could have sent, and did.
 */
function windowUse(result, size, from, cap) {
  const end = from + size.windowMs;
  const sent = arrivalsIn(result.arrivalsMs, from, end);
  const waited = result.calls.filter(
    (c) => c.startedMs < end && wantedUntil(c, size.maxWait) >= from && (!c.served || c.endedMs >= from),
  ).length;
  return { sent, waited, due: Math.min(cap, waited) };
}

const useRow = (measure, { sent, waited, due }, note) =>
  row(
    measure,
    due === 0 ? 'nothing waited' : `${fmt((100 * sent) / due, 1)}% of what waited`,
    due === 0 ? undefined : `≥ ${USE_GOAL * 100}%`,
    due === 0 ? undefined : sent >= USE_GOAL * due,
    `${sent} sent of ${due} (${waited} callers waiting); ${note}`,
  );

/**
 * The fault's quota rows. `startMs`: when the fault began; `answersMs`: when Redis answered again
 * (undefined when it stays down), both from the burst's start.
 */
export function faultQuotaRows(label, result, size, startMs, answersMs) {
  const { windowMs: w, perWindow: q, maxWait, instances } = size;
  const silences = longestSilences(result.calls, instances, maxWait, startMs);
  const share = Math.floor(q / instances);
  const perInstance = Array.from(
    { length: instances },
    (_, n) =>
      result.calls.filter((c) => c.instance === n && c.served && c.endedMs >= startMs && c.endedMs < startMs + w)
        .length,
  );
  // While Redis is down for the whole window, the instances' shares are all the fleet may send.
  const coordinated = answersMs !== undefined && answersMs < startMs + w;
  const rows = [
    row(
      `${label}: longest an instance had callers waiting and sent nothing`,
      `${fmt(Math.max(...silences) / w, 2)} windows`,
      `≤ ${fmt(silenceGoalMs(w) / w, 2)} windows`,
      Math.max(...silences) <= silenceGoalMs(w),
      `from the fault on, per instance ${silences.map((s) => fmt(s / w, 2)).join(' / ')}`,
    ),
    useRow(
      `${label}: quota used in the window from the fault`,
      windowUse(result, size, startMs, coordinated ? q : share * instances),
      `up to ${coordinated ? `the quota, ${q}: Redis answered again within it` : `the instances' shares, ${instances} × ${share}: Redis stays down`}; per instance ${perInstance.join(' / ')}`,
    ),
  ];
  if (answersMs === undefined) {
    rows.push(
      row(
        `${label}: quota used in the window after Redis answered again`,
        '— (Redis stays down)',
        undefined,
        undefined,
        'each instance on its own share until the end of the run',
      ),
    );
    return rows;
  }
  rows.push(
    useRow(
      `${label}: quota used in the window after Redis answered again`,
      windowUse(result, size, answersMs, q),
      `up to the quota, ${q}; Redis answered ${fmt((answersMs - startMs) / 1000, 1)} s after the fault`,
    ),
  );
  return rows;
}
