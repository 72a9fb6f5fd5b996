import { Test, type TestingModule } from '@nestjs/testing';
import {
  ContactAuthService,
  OpenCxError,
  OpenCxModule,
  OpenCxRateLimitError,
  OpenCxTimeoutError,
  type OpenCxModuleOptions,
} from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { CANARY, startSampleApp } from '../support/sample-app.js';
import { reportSection } from './report.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

const row = reportSection(
  '3-hostile-upstream',
  'A hostile or broken upstream',
  'Each case makes the fake OpenCX answer as an attacker (or a broken proxy) might, and checks what the library does.',
);

const KEY = 'sk_hostile_CANARY_9f8e7d6c5b4a';
const SECRETS = {
  email: 'leak.canary@example.com',
  phone: '+15550100123',
  name: 'Canary Lovelace-Hostile',
  custom: 'custom_canary_value_42',
  header: 'hdr_canary_value_77',
};
const INPUT = {
  email: SECRETS.email,
  phone: SECRETS.phone,
  name: SECRETS.name,
  customData: { note: SECRETS.custom },
  http_action_overrides: { headers: { 'X-Secret': SECRETS.header } },
};

/** Every form of every secret that must never be printed: as is, cases, URL-encoded, JSON-escaped, cut, base64. */
function forbiddenForms(): string[] {
  const forms: string[] = [];
  for (const secret of [KEY, ...Object.values(SECRETS)]) {
    forms.push(secret, secret.toLowerCase(), secret.toUpperCase(), encodeURIComponent(secret));
    forms.push(JSON.stringify(secret).slice(1, -1), secret.slice(0, 10));
  }
  for (let i = 0; i + 8 <= KEY.length; i++) forms.push(KEY.slice(i, i + 8));
  forms.push(Buffer.from(KEY).toString('base64'));
  return forms;
}

/** Everything an error can show: message, stack, JSON, body. */
const printed = (error: unknown): string => {
  const e = error as OpenCxError & { body?: unknown };
  return [e.message, e.stack, JSON.stringify(e), JSON.stringify(e.body ?? {}), String(e)].join('\n');
};

describe('a hostile or broken upstream', () => {
  let fake: OpenCxFakeServer;
  let moduleRef: TestingModule | undefined;

  async function boot(options: Partial<OpenCxModuleOptions> = {}): Promise<ContactAuthService> {
    await moduleRef?.close();
    moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, retryDelay: 1, maxRetryDelay: 2, ...options })],
    }).compile();
    moduleRef.useLogger(false);
    return moduleRef.get(ContactAuthService);
  }

  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  }, HOOK_TIMEOUT_MS);
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await moduleRef?.close();
    await fake?.close();
  });

  it.each([
    ['86400 (a day)', '86400', true],
    ['1e20 (not a valid value: ignored)', '1e20', false],
    ['100000000000000000000', '100000000000000000000', true],
    ['a date in year 9999', 'Fri, 31 Dec 9999 23:59:59 GMT', true],
  ])(
    'a 429 with Retry-After: %s pauses the key for at most maxRetryAfter; readiness stays up and says it is rate limited',
    async (label, value, pauses) => {
      const service = await boot({ maxRetries: 0, maxRetryAfter: 2_000 });
      fake.failNext(1, 429, { retryAfter: value });
      const error = await service.authenticateUser({ email: 'a@example.com' }).catch((e: unknown) => e);
      const health = await service.checkHealth();
      const pausedMs = health.pausedUntil ? Date.parse(health.pausedUntil) - Date.now() : 0;
      row({
        case: `429, Retry-After: ${label}`,
        outcome: (error as Error).name,
        'key paused (ms)': Math.max(0, Math.round(pausedMs)),
        readiness: health.status,
        'rate limited': String(health.rateLimited),
      });
      expect(error).toBeInstanceOf(OpenCxRateLimitError);
      expect(pausedMs).toBeLessThanOrEqual(2_000);
      // Rate limited is normal operation: readiness stays up, and says so (OpenCX answered 429, whatever its wait).
      expect([health.status, health.rateLimited]).toEqual(['up', true]);
      expect(typeof health.pausedUntil).toBe(pauses ? 'string' : 'undefined');
    },
  );

  it.each([
    ['a 100,000-character message', 100_000],
    ['a 900,000-character message', 900_000],
  ])('%s is cut before it is scrubbed: the call ends at once', async (label, length) => {
    const service = await boot({ maxRetries: 0, rateLimit: false });
    fake.failNext(1, 400, { body: { statusCode: 400, message: `${'a'.repeat(length)}@${'b'.repeat(length / 10)}` } });
    const started = performance.now();
    const error = (await service.authenticateUser({ email: 'a@example.com' }).catch((e: unknown) => e)) as Error;
    const ms = performance.now() - started;
    row({
      case: `error body: ${label}`,
      outcome: error.name,
      'time (ms)': Math.round(ms),
      'message length': error.message.length,
    });
    expect(error.message.length).toBeLessThan(400);
    // The quadratic scrubber took 6 s on the first; this bound only catches a return of it.
    expect(ms).toBeLessThan(1_500);
  });

  it.each([
    ['as sent', (s: string) => s],
    ['URL-encoded', encodeURIComponent],
    ['upper case', (s: string) => s.toUpperCase()],
    ['JSON-escaped', (s: string) => JSON.stringify(s).slice(1, -1)],
    ['cut short', (s: string) => s.slice(0, 12)],
  ])('secrets echoed back %s never reach the error, in any form', async (label, form) => {
    const service = await boot({ maxRetries: 0, rateLimit: false, cache: false });
    const echo = [KEY, Buffer.from(KEY).toString('base64'), ...Object.values(SECRETS)].map(form).join(' | ');
    fake.failNext(1, 400, { body: { statusCode: 400, message: [`refused: ${echo}`, echo], error: echo } });
    const error = await service.authenticateUser(INPUT).catch((e: unknown) => e);
    const text = printed(error);
    const leaked = forbiddenForms().filter((f) => text.includes(f));
    row({
      case: `secrets echoed ${label}`,
      outcome: (error as Error).name,
      leaked: leaked.length === 0 ? 'nothing' : leaked.join(', '),
    });
    expect(leaked).toEqual([]);
  });

  it('ends the whole call by totalTimeout: a Retry-After past it fails at once', async () => {
    const service = await boot({ totalTimeout: 3_000, rateLimit: false });
    fake.failNext(2, 429, { retryAfter: 25 });
    const started = performance.now();
    const error = await service.authenticateUser({ email: 'a@example.com' }).catch((e: unknown) => e);
    const ms = performance.now() - started;
    row({
      case: 'two 429s with Retry-After: 25, totalTimeout 3 s',
      outcome: (error as Error).name,
      'time (ms)': Math.round(ms),
    });
    expect(error).toBeInstanceOf(OpenCxRateLimitError);
    expect(ms).toBeLessThan(3_000);
  });

  it('ends a call of hanging attempts by totalTimeout with OpenCxTimeoutError', async () => {
    const service = await boot({ totalTimeout: 600, timeout: 250, maxRetries: 10, rateLimit: false });
    fake.hangNext(10);
    const error = await service.authenticateUser({ email: 'a@example.com' }).catch((e: unknown) => e);
    row({
      case: 'every attempt hangs, totalTimeout 600 ms',
      outcome: (error as Error).name,
      attempts: fake.requests.length,
    });
    expect(error).toBeInstanceOf(OpenCxTimeoutError);
    expect(fake.requests.length).toBeLessThanOrEqual(3);
  });

  it('serves the callers that joined a flight when the caller that started it aborts', async () => {
    const service = await boot();
    fake.delayNext(1, 200);
    const leader = new AbortController();
    const first = service
      .authenticateUser({ email: 'a@example.com' }, { signal: leader.signal })
      .catch((e: unknown) => e);
    const joined = service.authenticateUser({ email: 'a@example.com' });
    leader.abort();
    const [aborted, answer] = await Promise.all([first, joined]);
    row({
      case: 'the caller that started a single-flight aborts',
      outcome: `leader ${(aborted as Error).name}, follower got a token`,
      attempts: fake.requests.length,
    });
    expect(answer).toHaveProperty('token');
  });

  it('answers 105 public readiness hits with at most a small share of the quota', async () => {
    const service = await boot({ healthCheckInterval: 0 });
    for (let i = 0; i < 105; i++) await service.checkHealth();
    row({
      case: '105 readiness checks, healthCheckInterval 0',
      outcome: 'answered',
      'upstream calls': fake.requests.length,
    });
    expect(fake.requests.length).toBeLessThanOrEqual(5);
  });
});

describe('echoed secrets through the sample app', () => {
  it(
    "reach neither the caller's answer nor the app's warn log",
    async () => {
      const h = await startSampleApp({ OPENCX_MAX_RETRIES: '0' });
      try {
        const echo = [CANARY.orgApiKey, CANARY.email, CANARY.headerValue, CANARY.phone]
          .flatMap((s) => [s, encodeURIComponent(s), s.toUpperCase()])
          .join(' ');
        h.fake.failNext(1, 500, { body: { statusCode: 500, message: echo } });
        const response = await fetch(`${h.url}/v1/contacts/authenticate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': CANARY.serviceKey },
          body: JSON.stringify({
            email: CANARY.email,
            phone: CANARY.phone,
            http_action_overrides: { headers: { 'X-S': CANARY.headerValue } },
          }),
        });
        const text = `${await response.text()}\n${h.lines.join('\n')}`;
        const forms = [CANARY.orgApiKey, CANARY.email, CANARY.headerValue, CANARY.phone].flatMap((s) => [
          s,
          encodeURIComponent(s),
          s.toUpperCase(),
          s.toLowerCase(),
        ]);
        row({
          case: 'a 500 echoing the key, email, phone and a header value, through the sample app',
          outcome: String(response.status),
          leaked: forms.filter((f) => text.includes(f)).join(', ') || 'nothing',
        });
        expect(response.status).toBe(502);
        expect(forms.filter((f) => text.includes(f))).toEqual([]);
      } finally {
        await h.close();
      }
    },
    HOOK_TIMEOUT_MS,
  );
});
