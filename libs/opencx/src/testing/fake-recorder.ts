import type { RecordedRequest } from './fake-server.interface.js';

/**
 * The fake's record of requests. Every request is kept, but the bodies only up to a budget of
 * bytes for all of them: past it the oldest bodies are let go, so a long run or a flood of large
 * bodies holds a bounded amount of memory.
 */
export class RequestRecorder {
  /** Every request, oldest first: handed out as the server's `requests` (the same array throughout). */
  readonly requests: RecordedRequest[] = [];
  /** The records still holding a body, oldest first. */
  private readonly holding: RecordedRequest[] = [];
  private heldBytes = 0;
  private readonly waiters: Array<(request: RecordedRequest) => void> = [];

  constructor(private readonly maxBodyBytes: number) {}

  /** Keeps a request (letting the oldest bodies go past the budget) and hands it to whoever waits for it. */
  record(request: RecordedRequest): void {
    this.requests.push(request);
    if (request.bodyBytes > 0) {
      this.holding.push(request);
      this.heldBytes += request.bodyBytes;
      while (this.heldBytes > this.maxBodyBytes && this.holding.length > 0) this.letGo(this.holding.shift()!);
    }
    for (const waiter of this.waiters.splice(0)) waiter(request);
  }

  /** Resolves with the next request recorded. */
  next(): Promise<RecordedRequest> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Forgets every request (the array stays the same object). */
  clear(): void {
    this.requests.length = 0;
    this.holding.length = 0;
    this.heldBytes = 0;
  }

  private letGo(request: RecordedRequest): void {
    this.heldBytes -= request.bodyBytes;
    request.rawBody = '';
    request.body = undefined;
    request.bodyKept = false;
  }
}
