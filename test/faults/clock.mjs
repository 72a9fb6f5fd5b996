// One timeline for the harness and every instance: ms since the epoch, sub-millisecond, from each
// process's monotonic clock (performance.now) and its start on the shared wall clock.
export const now = () => performance.timeOrigin + performance.now();

/** Resolves after `ms` of real time. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
