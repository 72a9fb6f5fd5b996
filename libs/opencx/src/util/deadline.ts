import { OpenCxAbortError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import { monotonicNow } from './clock.js';

/** The error for a call whose signal fired: the signal's own reason when it is one (e.g. shutdown). */
export function abortErrorOf(signal: AbortSignal | undefined): OpenCxAbortError {
  return signal?.reason instanceof OpenCxAbortError ? signal.reason : new OpenCxAbortError();
}

/**
 * The end of a call's `totalTimeout`, on the monotonic clock: every wait and every store operation
 * of the call runs within it, so nothing (a lock held by a dead instance, a frozen Redis, a slot far
 * away) can hold a call past its limit. The one timeout helper of the library.
 */
export class Deadline {
  private constructor(
    /** When the call must end, on {@link monotonicNow}'s clock. */
    readonly at: number,
    /** The call's whole allowance in ms, for the error's message. */
    readonly total: number,
  ) {}

  /** A deadline `ms` from now. */
  static after(ms: number): Deadline {
    return new Deadline(monotonicNow() + ms, ms);
  }

  /** Ms left (never negative). */
  left(): number {
    return Math.max(0, this.at - monotonicNow());
  }

  /** The error a call that ran out of time fails with. */
  expired(): OpenCxTimeoutError {
    return new OpenCxTimeoutError(this.total);
  }

  /**
   * `work`'s outcome, or OpenCxTimeoutError once the deadline passes, or OpenCxAbortError as soon
   * as `signal` fires, whichever comes first. `work` is not cancelled: its late outcome is ignored.
   */
  race<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
    work.catch(() => undefined);
    if (signal?.aborted) return Promise.reject(abortErrorOf(signal));
    const left = this.left();
    if (left <= 0) return Promise.reject(this.expired());
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = (): void => {
        done();
        reject(abortErrorOf(signal));
      };
      const timer = setTimeout(() => {
        done();
        reject(this.expired());
      }, left);
      signal?.addEventListener('abort', onAbort, { once: true });
      work.then(
        (value) => {
          done();
          resolve(value);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  /**
   * Waits `ms`; rejects with OpenCxTimeoutError when the deadline comes first, or OpenCxAbortError
   * as soon as `signal` fires. Leaves no timer behind either way.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortErrorOf(signal));
    const left = this.left();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortErrorOf(signal));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          if (ms >= left) reject(this.expired());
          else resolve();
        },
        Math.min(ms, left),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
