// Named regression cases recorded whole: a seed's schedule that failed, kept as it was drawn (in
// cases/<name>.json), so that a change to how plans are drawn leaves it as it was.
import { readFileSync } from 'node:fs';

/** The plan recorded in cases/<name>.json. */
const recorded = (name) => JSON.parse(readFileSync(new URL(`./cases/${name}.json`, import.meta.url), 'utf8'));

/** Seeds' schedules recorded whole in cases/<name>.json: [name, broke, what, open]. */
export function recordedCases() {
  return [
    [
      'case-28-settling-waits-out-its-share',
      'recovery (at 62c2dd3, as seed 14)',
      'seed 14 (4 instances, rateLimit.instances 4, steady demand above the quota): Redis restarted empty; calls booked while grants settle wait out the share the settling imposed, past its end, while Redis has room',
    ],
    [
      'case-29-settling-refuses-past-its-end',
      'recovery (at 62c2dd3, as seed 18)',
      'seed 18 (5 instances, clients with an offline queue): Redis killed before the load and started again; while grants settle, calls are refused for a share that stops holding a moment later',
    ],
    [
      'case-30-restart-then-instance-dies',
      "recovery (at 25e93e7, as seed 47; the check counted a dead instance's booked slots as free)",
      'seed 47 (4 instances, steady demand above the quota): Redis restarted empty; in the second window after, an instance is killed and another blocked, and a slot stays free while calls wait',
    ],
    [
      'case-31-dead-instance-bookings-held',
      'recovery (at 25e93e7, as seed 77)',
      "seed 77 (2 instances, maxWait two windows): an instance killed with slots booked up to maxWait ahead; its bookings hold their slots until each is past its time, so in the second window after its death slots stay free while calls wait (checked without the seed's clock step and garbage too)",
    ],
    [
      'case-32-frozen-redis-recovery',
      'recovery (at a3f0e8e, as seed 81; the check counted a delete that had failed at once as a call still waiting)',
      'seed 81 (3 instances, clients with an offline queue, two per-call keys): Redis frozen 5.7 s under demand above the quota; in the second window after it answers again, a slot stays free while calls wait',
    ],
    [
      'case-33-clock-written-forward',
      'quota (at b4894f2, as seed 30, under load)',
      "seed 30 (2 instances, rateLimit.instances 2, 4 per-call keys): the fleet's clock written an hour forward, then Redis killed mid-window; one call too many reached OpenCX (a 429) once, in a long run with three at once; its replays have passed so far",
    ],
    [
      'case-34-freeze-recovery-early-claims',
      'recovery (at b4894f2, as seed 72: waiting calls that claimed again every quarter window)',
      'seed 72 (4 instances, maxWait a window): Redis frozen 10 s under demand, garbage at a pause key; in the second window after Redis answers again, a slot stays free while a call waits (passes alone on 7575ebc, failed in the parallel short run of a clean-clone CI)',
      true,
    ],
    [
      'case-35-cold-start-then-clock-forward',
      'recovery (at c5dac4b and 15cf524, as seed 118)',
      "seed 118 (4 instances, rateLimit.instances 4, maxWait two windows): Redis down before any call and started 2.8 s later, then the server's clock stepped 10 s forward; in the second window after Redis answers again, a slot stays free while a call waits",
      true,
    ],
  ].map(([name, broke, what, open]) => ({ name, broke, what, open, plan: () => recorded(name) }));
}
