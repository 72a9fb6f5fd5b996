import { OpenCxInvalidResponseError } from '../errors/opencx.errors.js';
import { CursorLoopGuard } from './cursor-loop.js';

/** How many `next`s the guard follows before it refuses one, and what it threw (none: all, undefined). */
function followed(nexts: Array<string | null>): { count: number; error?: unknown } {
  const guard = new CursorLoopGuard();
  for (const [count, next] of nexts.entries()) {
    try {
      guard.follow(next);
    } catch (error) {
      return { count, error };
    }
  }
  return { count: nexts.length };
}

describe('CursorLoopGuard', () => {
  it('follows distinct cursors as long as they come, and a null as the end', () => {
    const guard = new CursorLoopGuard();
    for (let i = 0; i < 5_000; i++) expect(guard.follow(`c${i}`)).toBe(`c${i}`);
    expect(guard.follow(null)).toBeUndefined();
  });

  it.each([1, 2, 3, 7, 64])('ends a loop of %i cursors, after any lead-in, within a few rounds', (length) => {
    for (const leadIn of [0, 1, 5, 100]) {
      const nexts = Array.from({ length: leadIn + 10 * length + 300 }, (_, i) =>
        i < leadIn ? `lead${i}` : `loop${(i - leadIn) % length}`,
      );
      const { count, error } = followed(nexts);
      expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
      expect(count).toBeLessThanOrEqual(2 * (leadIn + length) + length);
    }
  });
});
