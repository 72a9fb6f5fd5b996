import { OpenCxInvalidResponseError } from '../errors/opencx.errors.js';

/**
 * Ends a list whose `next` cursors come round again (a → b → a …), which would otherwise be paged
 * for ever. Brent's cycle detection: one cursor kept whatever the list's length, and a loop of any
 * length found within a few rounds of it.
 */
export class CursorLoopGuard {
  private saved: string | undefined;
  private power = 1;
  private steps = 0;

  /**
   * The cursor to ask for after a page whose `next` this is (undefined after the last page), or an
   * OpenCxInvalidResponseError (of a page answered 200) when it returns to an earlier one.
   */
  follow(next: string | null): string | undefined {
    if (next === null) return undefined;
    if (next === this.saved) throw new OpenCxInvalidResponseError(200, 'next returns to an earlier cursor');
    this.steps += 1;
    if (this.steps === this.power) {
      this.saved = next;
      this.power *= 2;
      this.steps = 0;
    }
    return next;
  }
}
