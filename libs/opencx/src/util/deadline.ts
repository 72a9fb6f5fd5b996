import { OpenCxAbortError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import { monotonicNow } from './clock.js';

/** The error for a call whose signal fired: the signal's own reason when it is one (e.g. shutdown). */
export function abortErrorOf(signal: AbortSignal | undefined): OpenCxAbortError {
  return signal?.reason instanceof OpenCxAbortError ? signal.reason : new OpenCxAbortError();
}

// Why a wait stopped early. A timer or a listener rejects with one of these, and the waiting async
// function turns it into the error: created there, its stack goes back to the application's call.
const EXPIRED = Symbol('deadline passed');
const ABORTED = Symbol('signal fired');

const ignore = (): void => undefined;

/**
 * The end of a call's `totalTimeout`, on the monotonic clock: every wait and every store operation
 * of the call runs within it, so nothing (a lock held by a dead instance, a frozen Redis, a slot far
 * away) can hold a call past its limit. The one timeout helper of the library.
 */
export class Deadline {
  private constructor(
    private end: number,
    private allowance: number,
  ) {}

  /** A deadline `ms` from now. */
  static after(ms: number): Deadline {
    return new Deadline(monotonicNow() + ms, ms);
  }

  /** When the call must end, on {@link monotonicNow}'s clock. */
  get at(): number {
    return this.end;
  }

  /** The call's whole allowance in ms, for the error's message. */
  get total(): number {
    return this.allowance;
  }

  /** A deadline of its own with the same end, which {@link extendTo} may move. */
  copy(): Deadline {
    return new Deadline(this.end, this.allowance);
  }

  /** Moves the end to `other`'s when that is later: shared work lasts as long as its most patient caller. */
  extendTo(other: Deadline): void {
    if (other.end <= this.end) return;
    this.end = other.end;
    this.allowance = other.allowance;
  }

  /** Ms left (never negative). */
  left(): number {
    return Math.max(0, this.end - monotonicNow());
  }

  /** The error a call that ran out of time fails with. */
  expired(): OpenCxTimeoutError {
    return new OpenCxTimeoutError(this.allowance);
  }

  /**
   * `work`'s outcome, or OpenCxTimeoutError once the deadline passes, or OpenCxAbortError as soon
   * as `signal` fires, whichever comes first. `work` is not cancelled: its late outcome is ignored.
   */
  async race<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
    const left = this.left();
    if (signal?.aborted || left <= 0) {
      work.then(ignore, ignore);
      throw signal?.aborted ? abortErrorOf(signal) : this.expired();
    }
    let timer: NodeJS.Timeout | undefined;
    let onAbort = ignore;
    // `work` gets exactly one reaction (the race's): V8 then follows it for the async stack trace.
    const stop = new Promise<never>((_, reject) => {
      timer = setTimeout(reject, left, EXPIRED);
      onAbort = () => reject(ABORTED);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, stop]);
    } catch (error) {
      throw this.reason(error, signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Waits `ms`; rejects with OpenCxTimeoutError when the deadline comes first, or OpenCxAbortError
   * as soon as `signal` fires. Leaves no timer behind either way.
   */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortErrorOf(signal);
    const left = this.left();
    let timer: NodeJS.Timeout | undefined;
    let onAbort = ignore;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = ms >= left ? setTimeout(reject, left, EXPIRED) : setTimeout(resolve, ms);
        onAbort = () => reject(ABORTED);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    } catch (error) {
      throw this.reason(error, signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private reason(error: unknown, signal: AbortSignal | undefined): unknown {
    if (error === EXPIRED) return this.expired();
    if (error === ABORTED) return abortErrorOf(signal);
    return error;
  }
}
