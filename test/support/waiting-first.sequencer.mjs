// jest's order (failed first, then longest last time, then largest file), except that the suites
// that mostly wait on real time (Redis windows, a fleet of instances, load through the sample app)
// start first: their waiting then overlaps the other suites instead of ending the run alone. On a
// clean clone jest has no timings yet, and these files are not the largest.
import TestSequencer from '@jest/test-sequencer';

const WAITING = [
  'test/redis/quota.spec.ts',
  'test/redis/redis-fleet-store.spec.ts',
  'test/reliability/load.spec.ts',
  'test/reliability/fleet-edges.spec.ts',
];

const rank = (test) => {
  const index = WAITING.findIndex((path) => test.path.endsWith(path));
  return index === -1 ? WAITING.length : index;
};

export default class WaitingFirstSequencer extends TestSequencer {
  sort(tests) {
    // Array#toSorted is stable: jest's own order holds within each rank. (The rule below mistakes
    // jest's sequencer method for Array#sort.)
    // oxlint-disable-next-line unicorn/no-array-sort
    return super.sort(tests).toSorted((a, b) => rank(a) - rank(b));
  }
}
