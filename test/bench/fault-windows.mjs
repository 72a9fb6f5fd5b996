// What a Redis fault cost in quota, from one run's timeline (see ../support/quota-run.mjs): how long
// an instance with callers waiting sent nothing (while the fleet cannot coordinate, each instance
// keeps serving its share: never nothing for longer than a window), and how much of the quota the
// fleet used in the window after Redis answered again (it is back to the whole quota within one).
import { fmt, row } from './lib.mjs';

/**
 * The longest an instance may send nothing with callers waiting: a window and the limiter's margin
 * (a sixtieth of it), plus the library's default heartbeat and Redis timeout (a second each), the
 * time it takes to find that Redis failed or answers again.
 */
const silenceGoalMs = (windowMs) => windowMs + windowMs / 60 + 2_000;
/** Of what waited in the window after Redis answered again, the share sent in it. */
const AFTER_GOAL = 0.95;

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
 * The fault's quota rows. `startMs`: when the fault began; `answersMs`: when Redis answered again
 * (undefined when it stays down), both from the burst's start.
 */
export function faultQuotaRows(label, result, size, startMs, answersMs) {
  const { windowMs: w, perWindow: q, maxWait, instances } = size;
  const silences = longestSilences(result.calls, instances, maxWait, startMs);
  const worst = Math.max(...silences) / w;
  const goal = silenceGoalMs(w) / w;
  const during = arrivalsIn(result.arrivalsMs, startMs, startMs + w);
  const perInstance = Array.from(
    { length: instances },
    (_, n) =>
      result.calls.filter((c) => c.instance === n && c.served && c.endedMs >= startMs && c.endedMs < startMs + w)
        .length,
  );
  const rows = [
    row(
      `${label}: longest an instance had callers waiting and sent nothing`,
      `${fmt(worst, 2)} windows`,
      `≤ ${fmt(goal, 2)} windows`,
      Math.max(...silences) <= silenceGoalMs(w),
      `from the fault on, per instance ${silences.map((s) => fmt(s / w, 2)).join(' / ')}; quota used in the window from the fault ${fmt((100 * during) / q, 1)}% (per instance ${perInstance.join(' / ')}, a share is ${Math.floor(q / instances)})`,
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
  const end = answersMs + w;
  const sent = arrivalsIn(result.arrivalsMs, answersMs, end);
  // Calls still waiting at some moment of that window: what the fleet could have sent in it, up to the quota.
  const waited = result.calls.filter(
    (c) => c.startedMs < end && wantedUntil(c, maxWait) >= answersMs && (!c.served || c.endedMs >= answersMs),
  ).length;
  const due = Math.min(q, waited);
  rows.push(
    row(
      `${label}: quota used in the window after Redis answered again`,
      due === 0 ? 'nothing waited' : `${fmt((100 * sent) / due, 1)}% of what waited`,
      due === 0 ? undefined : `≥ ${AFTER_GOAL * 100}%`,
      due === 0 ? undefined : sent >= AFTER_GOAL * due,
      `${sent} sent of ${due} (${waited} callers waiting, the quota ${q}); Redis answered ${fmt((answersMs - startMs) / 1000, 1)} s after the fault`,
    ),
  );
  return rows;
}
