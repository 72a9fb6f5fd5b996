// Questions the checks ask of a run's record: what state Redis was in, how long an instance could
// not run, how many arrivals fell in a window.

/** Redis's state at time `t` ('up', 'down' or 'frozen'). */
export function redisStateAt(record, t) {
  let state = 'down';
  for (const event of record.redis) {
    if (event.t > t) break;
    state = event.state;
  }
  return state;
}

/** Whether Redis was up from `from` to `to` without a change. */
export function redisUpThroughout(record, from, to) {
  return redisStateAt(record, from) === 'up' && !record.redis.some((e) => e.t > from && e.t <= to);
}

/** The intervals [from, to) in which Redis was not up (down or frozen), within the run. */
export function outages(record, end) {
  const out = [];
  let start;
  for (const event of record.redis) {
    if (event.state !== 'up' && start === undefined) start = event.t;
    if (event.state === 'up' && start !== undefined) {
      out.push({ from: start, to: event.t });
      start = undefined;
    }
  }
  if (start !== undefined) out.push({ from: start, to: end });
  return out;
}

/** Ms within [from, to] in which instance `name`'s event loop did not turn (frozen, blocked, starved). */
export function lagWithin(record, name, from, to) {
  let total = 0;
  for (const lag of record.lags) {
    if (lag.instance !== name) continue;
    total += Math.max(0, Math.min(to, lag.to) - Math.max(from, lag.from));
  }
  return total;
}

/** The longest stall of instance `name` within [from, to]: its longest single lag there. */
export function longestLagWithin(record, name, from, to) {
  let longest = 0;
  for (const lag of record.lags) {
    if (lag.instance !== name) continue;
    longest = Math.max(longest, Math.min(to, lag.to) - Math.max(from, lag.from));
  }
  return longest;
}

/** The sorted arrival times in `arrivals`. */
export const times = (arrivals) => arrivals.map((a) => a.t).toSorted((a, b) => a - b);

/**
 * The most of `sorted` (times) in any half-open window [t, t + windowMs), and where it starts. Only
 * windows starting at an arrival need checking: moving a window's start up to its first arrival
 * never loses one.
 */
export function busiestWindow(sorted, windowMs) {
  let best = { count: 0, from: undefined };
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    if (i - j + 1 > best.count) best = { count: i - j + 1, from: sorted[j] };
  }
  return best;
}

/** How many of `sorted` fall in [from, to). */
export function countWithin(sorted, from, to) {
  let count = 0;
  for (const t of sorted) if (t >= from && t < to) count++;
  return count;
}

/** When instance incarnation `name` was running: [from, to) intervals from its lifecycle. */
export function aliveInterval(record, name) {
  const ready = record.lifecycle.find((e) => e.instance === name && e.event === 'ready')?.t;
  const exit = record.lifecycle.find((e) => e.instance === name && e.event === 'exit')?.t;
  return ready === undefined ? undefined : { from: ready, to: exit ?? Number.POSITIVE_INFINITY };
}
