import type * as fc from 'fast-check';

/**
 * fast-check's parameters for a property: `small` runs in `npm test`; `FC_RUNS` asks for more,
 * and `FC_SEED` (with `FC_PATH`, both as a failure prints them) replays a failing run.
 */
export function propertyParameters(small: number): fc.Parameters<unknown> {
  const runs = Number(process.env.FC_RUNS);
  const seed = Number(process.env.FC_SEED);
  return {
    numRuns: Number.isInteger(runs) && runs > 0 ? runs : small,
    ...(Number.isInteger(seed) ? { seed } : {}),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  };
}

/** A test's time limit for a property of `parameters`: room for a busy machine, and more for long runs. */
export function propertyTimeout(parameters: fc.Parameters<unknown>): number {
  return Math.max(30_000, (parameters.numRuns ?? 100) * 50);
}
