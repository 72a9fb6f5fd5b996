import { OpenCxInvalidResponseError } from '../errors/opencx.errors.js';
import { CursorLoopGuard } from './cursor-loop.js';

/** How many `next`s the guard follows before it refuses one: the whole sequence when it never does. */
function followed(nexts: Array<string | null>): number {
  const guard = new CursorLoopGuard();
  for (const [index, next] of nexts.entries()) {
    try {
      guard.follow(next);
    } catch (error) {
      expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
      return index;
    }
  }
  return nexts.length;
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
      expect(followed(nexts)).toBeLessThanOrEqual(2 * (leadIn + length) + length);
    }
  });
});
