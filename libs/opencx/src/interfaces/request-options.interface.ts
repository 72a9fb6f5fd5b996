/**
 * Per-call options of `ContactAuthService.authenticateUser` (the other calls take some of them,
 * {@link OpenCxContactCallOptions}); each overrides the module's.
 */
export interface OpenCxRequestOptions {
  /** Aborts the call for this caller: no further attempt is made for it. */
  signal?: AbortSignal;
  /** Milliseconds per attempt. */
  timeout?: number;
  /** Milliseconds for the whole call, waits and retries included. */
  totalTimeout?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** Another organisation's API key, for multi-tenant backends. */
  apiKey?: string;
  /**
   * `'use'` (default) answers from the token cache when it can; `'refresh'` always asks OpenCX and
   * stores the new token; `'bypass'` neither reads nor writes the cache.
   */
  cache?: 'use' | 'refresh' | 'bypass';
  /**
   * Fields OpenCX accepts that this version of the library does not know yet (e.g. `mcp_access`),
   * sent beside the input as they are. They may not repeat a known field, and must be JSON within
   * `customData`'s bounds; their values are treated as personal data (never logged).
   */
  extraFields?: Record<string, unknown>;
}

/**
 * Per-call options of `updateContact`, `listContacts`, `listContactsPage` and `deleteContact`: the
 * key, the signal and the limits (the token cache has no part in them).
 */
export type OpenCxContactCallOptions = Pick<
  OpenCxRequestOptions,
  'apiKey' | 'signal' | 'timeout' | 'totalTimeout' | 'maxRetries'
>;
