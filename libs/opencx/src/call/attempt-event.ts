import type { Logger } from '@nestjs/common';
import {
  OpenCxAbortError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxTimeoutError,
} from '../errors/opencx.errors.js';

/** How one upstream attempt ended. */
export type OpenCxAttemptOutcome =
  'success' | 'http-error' | 'timeout' | 'connection-error' | 'invalid-response' | 'aborted';

/**
 * One upstream attempt, as given to the `onAttempt` option. It holds no personal data and no
 * secret: no email, phone, API key or header value, only facts about the exchange.
 */
export interface OpenCxAttemptEvent {
  /** The registration's name (`'default'` for the unnamed one): a label for multi-organisation metrics. */
  name: string;
  /**
   * `'authenticate-user'` for `authenticateUser()`, `'update-contact'` for `updateContact()`,
   * `'list-contacts'` for a page of `listContacts()` / `listContactsPage()`, `'delete-contact'` for
   * `deleteContact()`, `'health-check'` for a health probe.
   */
  operation: 'authenticate-user' | 'update-contact' | 'list-contacts' | 'delete-contact' | 'health-check';
  /** 1 for a call's first attempt, 2 for its first retry, and so on. */
  attempt: number;
  outcome: OpenCxAttemptOutcome;
  /** HTTP status of the answer; absent when none arrived (timeout, connection error, abort). */
  status?: number;
  /** Class name of the error the attempt produced, e.g. `OpenCxTimeoutError`; absent on success. */
  error?: string;
  /** Milliseconds from sending the request to reading the whole answer (or failing). */
  durationMs: number;
  /** Whether another attempt of the same call follows. */
  willRetry: boolean;
  /** Milliseconds before that next attempt, when `willRetry` is true. */
  retryDelayMs?: number;
}

/** The `onAttempt` option: called once per upstream attempt. */
export type OpenCxAttemptListener = (event: OpenCxAttemptEvent) => void | Promise<void>;

/**
 * Calls the user's listener without letting it break the call: observability must never turn a
 * good answer into an error, so a throw or a rejection is logged (by class name only) and dropped.
 */
export function notifyAttempt(listener: OpenCxAttemptListener, event: OpenCxAttemptEvent, logger: Logger): void {
  const report = (error: unknown): void =>
    logger.warn(`onAttempt listener failed (${error instanceof Error ? error.name : typeof error}); ignored`);
  try {
    const result = listener(event);
    if (result && typeof result.then === 'function') result.then(undefined, report);
  } catch (error) {
    report(error);
  }
}

/** The outcome of an attempt that answered `status` (undefined: no answer) or failed with `failure`. */
export function outcomeOf(status: number | undefined, failure: unknown): OpenCxAttemptOutcome {
  if (failure === undefined) return 'success';
  if (failure instanceof OpenCxAbortError) return 'aborted';
  if (failure instanceof OpenCxTimeoutError) return 'timeout';
  if (failure instanceof OpenCxConnectionError) return 'connection-error';
  if (failure instanceof OpenCxInvalidResponseError) return 'invalid-response';
  return status === undefined ? 'connection-error' : 'http-error';
}
