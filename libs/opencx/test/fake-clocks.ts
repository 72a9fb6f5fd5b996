import type { Config } from '@jest/types';

/** Every timer API but the clocks: with `doNotFake`, sockets and timers stay real while a test moves `Date` and `performance`. */
export const REAL_TIMERS_ONLY_CLOCKS_FAKE: Config.FakeableAPI[] = [
  'hrtime',
  'nextTick',
  'queueMicrotask',
  'setImmediate',
  'clearImmediate',
  'setInterval',
  'clearInterval',
  'setTimeout',
  'clearTimeout',
];

/** The same, with `performance` real too: a test moves the wall clock (`Date`) alone. */
export const REAL_TIMERS_ONLY_DATE_FAKE: Config.FakeableAPI[] = [...REAL_TIMERS_ONLY_CLOCKS_FAKE, 'performance'];
