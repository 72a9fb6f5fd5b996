import { setMaxListeners } from 'node:events';
import { OpenCxAbortError } from './errors/opencx.errors.js';
import type { OpenCxHttpClient } from './http/http-client.js';
import type { OpenCxFleetStore } from './store/opencx-fleet-store.interface.js';

/**
 * One registration's start and end: the signal every call listens to, then, at shutdown, the
 * keep-alive connections and the fleet store, closed after every call has stopped.
 */
export class OpenCxLifecycle {
  private readonly stopping = new AbortController();

  constructor(
    private readonly http: OpenCxHttpClient,
    private readonly store: OpenCxFleetStore,
  ) {
    // Every call in flight listens for shutdown (and leaves when it ends): many at once is load, not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Fires when the application shuts down: every call in flight or waiting ends at once. */
  get shutdown(): AbortSignal {
    return this.stopping.signal;
  }

  /**
   * The first of Nest's shutdown hooks: from here on nothing is sent. Calls waiting (for a slot, a
   * lock, a backoff) end at once with OpenCxAbortError, requests in flight are aborted and not
   * retried.
   */
  onModuleDestroy(): void {
    if (!this.stopping.signal.aborted) this.stopping.abort(new OpenCxAbortError('The application is shutting down'));
  }

  /** Nest calls this at shutdown (`enableShutdownHooks`, or `app.close()`): closes what the registration opened. */
  async onApplicationShutdown(): Promise<void> {
    this.onModuleDestroy();
    this.http.close();
    await this.store.close?.();
  }
}
