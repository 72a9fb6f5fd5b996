import { OpenCxConnectionError, OpenCxInvalidResponseError, OpenCxTimeoutError } from '../errors/opencx.errors.js';

/** What the library knows about the OpenCX API, as returned by `ContactAuthService.checkHealth()`. */
export interface OpenCxHealth {
  /** `'up'` when OpenCX answered and did not refuse the API key. */
  status: 'up' | 'down';
  /** Whether OpenCX answered at all. */
  reachable: boolean;
  /** Whether OpenCX accepted the API key; absent when the answer did not say (e.g. none arrived). */
  apiKeyAccepted?: boolean;
  /** HTTP status of the answer this verdict rests on; absent when none arrived. */
  httpStatus?: number;
  /** Why, in a few words, when it is not simply up (e.g. `API key refused (401)`). Never a secret. */
  reason?: string;
  /** `'traffic'` when a recent `authenticateUser` call told us; `'probe'` when a check request was sent. */
  source: 'traffic' | 'probe';
  /** When that answer arrived, ISO 8601. */
  checkedAt: string;
}

type Verdict = Omit<OpenCxHealth, 'source' | 'checkedAt'>;

/**
 * What one exchange says about OpenCX. Nest-based APIs (OpenCX is one) run guards before
 * validation, so a 400 or 422 still means the key was accepted; only 401/403 refuse it.
 */
export function assessExchange(status: number | undefined, error: unknown): Verdict {
  if (status === undefined) {
    if (error instanceof OpenCxTimeoutError) return { status: 'down', reachable: false, reason: 'no answer in time' };
    if (error instanceof OpenCxConnectionError) {
      return { status: 'down', reachable: false, reason: `connection failed${error.code ? ` (${error.code})` : ''}` };
    }
    return { status: 'down', reachable: true, reason: 'invalid answer' };
  }
  const answered = { reachable: true, httpStatus: status };
  if (status === 401 || status === 403) {
    return { ...answered, status: 'down', apiKeyAccepted: false, reason: `API key refused (${status})` };
  }
  if (status === 404) return { ...answered, status: 'down', reason: 'endpoint not found (404): check baseUrl' };
  if (status === 429) return { ...answered, status: 'up', apiKeyAccepted: true, reason: 'rate limited (429)' };
  if (status >= 200 && status < 300 && error instanceof OpenCxInvalidResponseError) {
    return { ...answered, status: 'down', apiKeyAccepted: true, reason: 'invalid answer' };
  }
  if ((status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 408)) {
    return { ...answered, status: 'up', apiKeyAccepted: true };
  }
  return { ...answered, status: 'down', reason: `OpenCX answered ${status}` };
}

/**
 * Remembers the last exchange made with the registration's own API key, and answers health checks
 * from it while it is younger than `interval`; otherwise one probe runs, shared by concurrent
 * checks. The hot path only stores three fields; the verdict is worked out when someone asks.
 */
export class HealthMonitor {
  private lastStatus: number | undefined;
  private lastError: unknown;
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastSource: OpenCxHealth['source'] = 'traffic';
  private probing: Promise<OpenCxHealth> | undefined;

  constructor(private readonly interval: number) {}

  /** Records an exchange's outcome; `status` undefined when no answer arrived. */
  observe(status: number | undefined, error: unknown, source: OpenCxHealth['source'] = 'traffic'): void {
    this.lastStatus = status;
    this.lastError = error;
    this.lastAt = Date.now();
    this.lastSource = source;
  }

  /** The last verdict, whatever its age; undefined before any exchange. */
  last(): OpenCxHealth | undefined {
    if (this.lastAt === Number.NEGATIVE_INFINITY) return undefined;
    return {
      ...assessExchange(this.lastStatus, this.lastError),
      source: this.lastSource,
      checkedAt: new Date(this.lastAt).toISOString(),
    };
  }

  /** A verdict no older than `interval`, running `probe` (which must call `observe`) when needed. */
  check(probe: () => Promise<void>): Promise<OpenCxHealth> {
    if (Date.now() - this.lastAt < this.interval) return Promise.resolve(this.last()!);
    this.probing ??= probe()
      .then(() => this.last()!)
      .finally(() => {
        this.probing = undefined;
      });
    return this.probing;
  }
}
