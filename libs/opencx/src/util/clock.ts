/**
 * Milliseconds on a monotonic clock: for intervals (windows, deadlines, cache ages, cool-downs),
 * which a wall-clock step must not stretch or shrink. The wall clock (`Date.now()`) is only for
 * absolute times such as a token's `exp`. Read through the global at each call, so that jest's
 * fake timers (which replace `performance`) drive it in tests.
 */
export function monotonicNow(): number {
  return performance.now();
}
