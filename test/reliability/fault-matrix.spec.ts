import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  ContactAuthService,
  OpenCxApiError,
  OpenCxConnectionError,
  OpenCxInvalidResponseError,
  OpenCxModule,
  OpenCxRateLimitError,
  OpenCxTimeoutError,
} from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { CANARY, startSampleApp, type SampleHarness } from '../support/sample-app.js';
import { ReliabilityReport } from './report.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

const report = new ReliabilityReport('1-fault-matrix');
afterAll(() => report.write());

const POLICY = { timeout: 200, maxRetries: 2, retryDelay: 20, maxRetryDelay: 100, maxRetryAfter: 1500 };
/** The most the policy lets backoff add over all retries. */
const MAX_BACKOFF = POLICY.retryDelay + Math.min(POLICY.maxRetryDelay, POLICY.retryDelay * 2);
const SLACK = 400;
const httpDate = (secondsFromNow: number) => new Date(Date.now() + secondsFromNow * 1000).toUTCString();

interface FaultCase {
  name: string;
  script: (fake: OpenCxFakeServer) => void;
  /** The error class expected, or undefined for success. */
  error?: new (...args: never[]) => Error;
  attempts: number;
  /** Shortest and longest time the policy allows, in ms. */
  minMs: number;
  maxMs: number;
  /** The sample app's answer for the same fault. */
  httpStatus: number;
}

const CASES: FaultCase[] = [
  ...[500, 502, 503, 504].flatMap((status): FaultCase[] => [
    {
      name: `${status} × 2 (shorter than the retries)`,
      script: (f) => f.failNext(2, status),
      attempts: 3,
      minMs: 0,
      maxMs: MAX_BACKOFF + SLACK,
      httpStatus: 201,
    },
    {
      name: `${status} × 3 (as long as the retries)`,
      script: (f) => f.failNext(3, status),
      error: OpenCxApiError,
      attempts: 3,
      minMs: 0,
      maxMs: MAX_BACKOFF + SLACK,
      httpStatus: 502,
    },
  ]),
  {
    name: '429 without Retry-After',
    script: (f) => f.failNext(1, 429),
    attempts: 2,
    minMs: 0,
    maxMs: MAX_BACKOFF + SLACK,
    httpStatus: 201,
  },
  {
    name: '429 with Retry-After: 1 (seconds)',
    script: (f) => f.failNext(1, 429, { retryAfter: 1 }),
    attempts: 2,
    minMs: 950,
    maxMs: 1000 + SLACK,
    httpStatus: 201,
  },
  {
    name: '429 with Retry-After as an HTTP date (1 s ahead)',
    script: (f) => f.failNext(1, 429, { retryAfter: httpDate(1) }),
    attempts: 2,
    minMs: 0,
    maxMs: 1000 + SLACK,
    httpStatus: 201,
  },
  {
    name: '429 with Retry-After: 36000 (10 hours): not waited for',
    script: (f) => f.failNext(1, 429, { retryAfter: 36_000 }),
    error: OpenCxRateLimitError,
    attempts: 1,
    minMs: 0,
    maxMs: SLACK,
    httpStatus: 503,
  },
  {
    name: '429 × 3 with Retry-After: 0',
    script: (f) => f.failNext(3, 429, { retryAfter: 0 }),
    error: OpenCxRateLimitError,
    attempts: 3,
    minMs: 0,
    maxMs: SLACK,
    httpStatus: 503,
  },
  {
    name: 'connection reset mid-response × 3',
    script: (f) => f.queue(3, { kind: 'reset-mid-response' }),
    error: OpenCxConnectionError,
    attempts: 3,
    minMs: 0,
    maxMs: MAX_BACKOFF + SLACK,
    httpStatus: 502,
  },
  {
    name: 'connection dropped × 1',
    script: (f) => f.dropNext(1),
    attempts: 2,
    minMs: 0,
    maxMs: MAX_BACKOFF + SLACK,
    httpStatus: 201,
  },
  {
    name: 'accepts and never answers × 3',
    script: (f) => f.hangNext(3),
    error: OpenCxTimeoutError,
    attempts: 3,
    minMs: 3 * POLICY.timeout,
    maxMs: 3 * POLICY.timeout + MAX_BACKOFF + SLACK,
    httpStatus: 504,
  },
  {
    name: 'slow body, within the timeout',
    script: (f) => f.queue(1, { kind: 'slow-body', chunkDelayMs: 1 }),
    attempts: 1,
    minMs: 0,
    maxMs: POLICY.timeout + SLACK,
    httpStatus: 201,
  },
  {
    name: 'slow body, past the timeout × 3',
    script: (f) => f.queue(3, { kind: 'slow-body', chunkDelayMs: 20 }),
    error: OpenCxTimeoutError,
    attempts: 3,
    minMs: 3 * POLICY.timeout,
    maxMs: 3 * POLICY.timeout + MAX_BACKOFF + SLACK,
    httpStatus: 504,
  },
  {
    name: 'non-JSON 200',
    script: (f) => f.malformedNext(1),
    error: OpenCxInvalidResponseError,
    attempts: 1,
    minMs: 0,
    maxMs: SLACK,
    httpStatus: 502,
  },
  {
    name: '200 missing token',
    script: (f) => f.queue(1, { kind: 'respond', status: 200, body: { contact: { id: 'x' } } }),
    error: OpenCxInvalidResponseError,
    attempts: 1,
    minMs: 0,
    maxMs: SLACK,
    httpStatus: 502,
  },
  {
    name: '200 with a 50 MB body (bounded by maxResponseBytes)',
    script: (f) => f.queue(1, { kind: 'huge-body', bytes: 50 * 1024 * 1024 }),
    error: OpenCxInvalidResponseError,
    attempts: 1,
    minMs: 0,
    maxMs: 2 * SLACK,
    httpStatus: 502,
  },
];

/** The app's policy: 3 attempts of at most 300 ms, backoff of at most 500 + 1000 ms, a 1 s Retry-After. */
const APP_MAX_MS = 3 * 300 + 500 + 1000 + 1000 + SLACK;

const INPUT = {
  email: CANARY.email,
  phone: CANARY.phone,
  http_action_overrides: { headers: { 'X-Secret': CANARY.headerValue } },
};

describe('fault matrix: ContactAuthService', () => {
  const row = report.section(
    'Fault matrix: ContactAuthService',
    `Policy under test: timeout ${POLICY.timeout} ms per attempt, maxRetries ${POLICY.maxRetries}, backoff base ` +
      `${POLICY.retryDelay} ms (cap ${POLICY.maxRetryDelay} ms), maxRetryAfter ${POLICY.maxRetryAfter} ms. ` +
      'Each case scripts the fake OpenCX server, then checks the outcome, the number of upstream attempts and the time taken.',
  );
  let fake: OpenCxFakeServer;
  let moduleRef: TestingModule;
  let service: ContactAuthService;
  const logLines: string[] = [];
  const errorTexts: string[] = [];

  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: CANARY.orgApiKey });
    moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: CANARY.orgApiKey,
          baseUrl: fake.url,
          ...POLICY,
          cache: false,
          rateLimit: false,
        }),
      ],
    }).compile();
    moduleRef.useLogger(false);
    service = moduleRef.get(ContactAuthService);
    for (const level of ['debug', 'log', 'warn', 'error', 'verbose'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logLines.push(args.map(String).join(' '));
      });
    }
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    jest.restoreAllMocks();
    await moduleRef?.close();
    await fake?.close();
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, fault) => {
    fake.reset();
    fault.script(fake);
    const started = Date.now();
    const outcome = await service.authenticateUser(INPUT).then(
      (result) => result,
      (error: unknown) => error,
    );
    const elapsed = Date.now() - started;
    const attempts = fake.authenticateRequests().length;
    const outcomeName = outcome instanceof Error ? outcome.name : 'success';
    if (outcome instanceof Error) {
      errorTexts.push(outcome.message, String(outcome), JSON.stringify(outcome), outcome.stack ?? '');
    }
    row({
      case: fault.name,
      outcome: outcomeName,
      attempts,
      'time (ms)': elapsed,
      'allowed (ms)': `${fault.minMs}–${fault.maxMs}`,
    });
    expect(outcomeName).toBe(fault.error?.name ?? 'success');
    expect(outcome).toBeInstanceOf(fault.error ?? Object);
    expect(attempts).toBe(fault.attempts);
    expect(elapsed).toBeGreaterThanOrEqual(fault.minMs);
    expect(elapsed).toBeLessThanOrEqual(fault.maxMs);
  });

  it('leaked no canary into any log line or error', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const everything = [...logLines, ...errorTexts].join('\n');
    for (const canary of Object.values(CANARY)) expect(everything).not.toContain(canary);
  });
});

describe('fault matrix: through the sample app', () => {
  const row = report.section(
    'Fault matrix: through the sample app',
    'The same faults behind `POST /v1/contacts/authenticate` of the built sample app (OPENCX_TIMEOUT_MS=300, ' +
      'library defaults otherwise). The answer must be the documented status, with no upstream detail.',
  );
  let h: SampleHarness;
  const bodies: string[] = [];

  beforeAll(async () => {
    h = await startSampleApp();
  }, HOOK_TIMEOUT_MS);
  afterAll(() => h?.close());

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, fault) => {
    h.fake.reset();
    fault.script(h.fake);
    const started = Date.now();
    const response = await fetch(`${h.url}/v1/contacts/authenticate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': CANARY.serviceKey },
      body: JSON.stringify(INPUT),
    });
    const text = await response.text();
    bodies.push(text);
    const elapsed = Date.now() - started;
    const attempts = h.fake.authenticateRequests().length;
    row({
      case: fault.name,
      status: response.status,
      'retry-after': response.headers.get('retry-after') ?? '',
      attempts,
      'time (ms)': elapsed,
      'allowed (ms)': `≤ ${APP_MAX_MS}`,
    });
    expect(response.status).toBe(fault.httpStatus);
    // The app keeps the library's default retry count, so the attempts are the same as above.
    expect(attempts).toBe(fault.attempts);
    expect(elapsed).toBeLessThanOrEqual(APP_MAX_MS);
    // A 503 must say when to come back; no other answer carries Retry-After.
    expect(response.headers.get('retry-after') !== null).toBe(fault.httpStatus === 503);
    expect(text).not.toMatch(/Scripted|Random failure|<html>|"stack"|Bearer/);
  });

  it('leaked no canary into any response body or log line', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const everything = [...bodies, ...h.lines].join('\n');
    expect(h.lines.length).toBeGreaterThan(CASES.length);
    for (const canary of Object.values(CANARY)) expect(everything).not.toContain(canary);
  });
});
