import type { AttemptRequest } from '../http/transport.js';

/**
 * One operation's HTTP request, described once; the attempt runner sends it as often as the retry
 * policy allows. An operation is a function that builds one (see `contact-auth.requests.ts`).
 */
export interface OpenCxRequest<T> {
  readonly method: AttemptRequest<T>['method'];
  /** Below `baseUrl`, already encoded. */
  readonly path: string;
  /** The JSON body, already serialised. */
  readonly body?: string;
  /** Reads a 2xx answer's body, or throws OpenCxInvalidResponseError. */
  readonly parse: (status: number, text: string) => T;
  /**
   * Whether sending it twice is harmless even when the first may have been processed (a DELETE,
   * a PATCH of the same fields). `false` for authenticate-user's POST: see `retryPostAfterTimeout`.
   */
  readonly idempotent: boolean;
  /** The input's strings, scrubbed from any upstream text kept in an error (read only then). */
  readonly secrets: () => readonly string[];
}
