import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  ContactAuthService,
  OpenCxAbortError,
  OpenCxClientRateLimitError,
  OpenCxConfigurationError,
  OpenCxError,
  OpenCxModule,
  getContactAuthToken,
  type OpenCxModuleOptions,
} from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { REAL_TIMERS_ONLY_DATE_FAKE } from '../../libs/opencx/test/fake-clocks.js';
import { bufferingLink } from '../support/slow-link.js';
import { reportSection } from './report.js';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

const row = reportSection(
  '5-edges',
  'Promises at the edges',
  'Each case is an edge where a promise of the library once broke (clock steps, late requests, shutdown, odd callers, getters); every row is a regression test that fails on the code before the fix.',
);

const KEY = 'sk_edges_CANARY_5f0e1d';

describe('promises at the edges (one process)', () => {
  let fake: OpenCxFakeServer;
  const modules: TestingModule[] = [];

  async function boot(options: Partial<OpenCxModuleOptions> = {}, baseUrl = fake.url): Promise<ContactAuthService> {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl, cache: false, maxRetries: 0, ...options })],
    }).compile();
    moduleRef.useLogger(false);
    modules.push(moduleRef);
    return moduleRef.get(ContactAuthService);
  }

  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  }, HOOK_TIMEOUT_MS);
  beforeEach(() => fake.reset());
  afterEach(async () => {
    jest.useRealTimers();
    await Promise.all(modules.splice(0).map((moduleRef) => moduleRef.close()));
  });
  afterAll(() => fake?.close());

  it('two registrations of one API key share one limit', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, cache: false, rateLimit: { perMinute: 2, maxWait: 0 } }),
        OpenCxModule.forRoot({
          name: 'twin',
          apiKey: KEY,
          baseUrl: fake.url,
          cache: false,
          rateLimit: { perMinute: 2, maxWait: 0 },
        }),
      ],
    }).compile();
    modules.push(moduleRef);
    const [a, b] = [moduleRef.get(ContactAuthService), moduleRef.get<ContactAuthService>(getContactAuthToken('twin'))];
    const outcomes = await Promise.all(
      [a, b, a, b].map((service, i) =>
        service.authenticateUser({ email: `twin${i}@example.com` }).catch((e: unknown) => e),
      ),
    );
    const refused = outcomes.filter((outcome) => outcome instanceof OpenCxClientRateLimitError).length;
    row({
      case: 'two registrations, one API key, 2 a minute',
      promise: 'one limit',
      outcome: `${fake.requests.length} sent, ${refused} refused`,
    });
    expect(fake.requests).toHaveLength(2);
    expect(refused).toBe(2);
  });

  it('a wall-clock step frees no slot forward and blocks none backward (intervals on a monotonic clock)', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: REAL_TIMERS_ONLY_DATE_FAKE });
    const service = await boot({ rateLimit: { perMinute: 2, window: 1_000, maxWait: 0 } });
    await service.authenticateUser({ email: 'step0@example.com' });
    await service.authenticateUser({ email: 'step1@example.com' });
    jest.setSystemTime(Date.now() + 61_000);
    const forward = await service.authenticateUser({ email: 'step2@example.com' }).catch((e: unknown) => e);
    jest.setSystemTime(Date.now() - 3_600_000);
    // A real window (1 s and its margin) later, the limit is free again whatever the wall clock says.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const backward = await service.authenticateUser({ email: 'step3@example.com' }).catch((e: unknown) => e);
    row({
      case: 'wall clock +61 s, then -1 h',
      promise: 'the limit holds, then frees on time',
      outcome: `+61 s: ${forward instanceof OpenCxClientRateLimitError ? 'refused' : 'sent'}; -1 h: ${backward instanceof Error ? backward.name : 'sent'}`,
    });
    expect(forward).toBeInstanceOf(OpenCxClientRateLimitError);
    expect(backward).not.toBeInstanceOf(Error);
    expect(fake.requests).toHaveLength(3);
  });

  it('counts a request the client gave up on until it can no longer arrive (a buffering link)', async () => {
    // OpenCX allows 2 in any second; the link delivers each request 1.5 s late, after the client's 1 s time-out.
    const upstream = await createOpenCxFakeServer({
      apiKey: KEY,
      rateLimitPerMinute: 2,
      rateLimitWindowMs: 1_000,
      rateLimitWindow: 'rolling',
    });
    const link = await bufferingLink(upstream.port, 1_500);
    try {
      const service = await boot(
        { timeout: 1_000, totalTimeout: 5_000, rateLimit: { perMinute: 2, window: 1_000, maxWait: 4_000 } },
        link.url,
      );
      const calls = Array.from({ length: 4 }, (_, i) =>
        service.authenticateUser({ email: `late${i}@example.com` }, { maxRetries: 0 }).catch((e: unknown) => e),
      );
      await Promise.all(calls);
      // Let every held request arrive.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const arrivals = upstream
        .authenticateRequests()
        .map((request) => request.receivedAt)
        .toSorted((a, b) => a - b);
      let most = 0;
      for (const [i, at] of arrivals.entries())
        most = Math.max(most, arrivals.filter((t) => t >= at && t < at + 1_000).length, i * 0);
      row({
        case: 'requests abandoned after 1 s, delivered after 1.5 s',
        promise: 'never more than the quota in a window',
        outcome: `${arrivals.length} arrived, at most ${most} in a second, ${upstream.statusCounts[429] ?? 0} upstream 429s`,
      });
      expect(upstream.statusCounts[429] ?? 0).toBe(0);
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      await link.close();
      await upstream.close();
    }
  }, 30_000);

  it('app.close() stops everything: waiting calls end at once, nothing is sent after, nothing is retried', async () => {
    const service = await boot({ maxRetries: 3, rateLimit: { perMinute: 1, window: 2_000, maxWait: 10_000 } });
    fake.hangNext(5);
    const inFlight = service.authenticateUser({ email: 'close0@example.com' }).catch((e: unknown) => e);
    await fake.nextRequest();
    const waiting = service.authenticateUser({ email: 'close1@example.com' }).catch((e: unknown) => e);
    const started = performance.now();
    await modules.pop()?.close();
    const [first, second] = await Promise.all([inFlight, waiting]);
    const took = performance.now() - started;
    const sent = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    row({
      case: 'app.close() with one call in flight and one queued',
      promise: 'both end at once, typed; nothing sent after',
      outcome: `${[first, second].map((e) => (e as Error).name).join(', ')} in ${Math.round(took)} ms; ${fake.requests.length - sent} sent after`,
    });
    expect(first).toBeInstanceOf(OpenCxAbortError);
    expect(second).toBeInstanceOf(OpenCxAbortError);
    expect(took).toBeLessThan(1_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses at start-up a maxWait longer than totalTimeout, naming both', async () => {
    const error = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, rateLimit: { maxWait: 62_000 } })],
    })
      .compile()
      .catch((e: unknown) => e);
    row({
      case: 'rateLimit.maxWait 62000 with the default totalTimeout',
      promise: 'said at start-up',
      outcome: (error as Error).message,
    });
    expect(error).toBeInstanceOf(OpenCxConfigurationError);
    expect((error as Error).message).toMatch(/rateLimit\.maxWait.*totalTimeout/);
  });

  it('keeps no answer that was in flight when evictContact resolved', async () => {
    const service = await boot({ cache: {} });
    fake.delayNext(1, 300);
    const inFlight = service.authenticateUser({ email: 'evicted@example.com' });
    await fake.nextRequest();
    await service.evictContact('evicted@example.com');
    await inFlight;
    await service.authenticateUser({ email: 'evicted@example.com' });
    row({
      case: 'evictContact while an answer is in flight',
      promise: 'eviction wins',
      outcome: `${fake.requests.length} upstream calls (2: nothing cached from before)`,
    });
    expect(fake.requests).toHaveLength(2);
  });

  it('rejects only with OpenCxError, whatever the caller passes', async () => {
    const service = await boot();
    const odd = [
      await service.authenticateUser({ email: 'a@example.com' }, null as never).catch((e: unknown) => e),
      await service.evictContact('a@example.com', null as never).catch((e: unknown) => e),
      await service.authenticateUser(null as never).catch((e: unknown) => e),
      await service.authenticateUser({ email: 'a@example.com', customData: { f: () => 1 } }).catch((e: unknown) => e),
    ];
    row({
      case: 'null options, null input, a function in customData',
      promise: 'only OpenCxError',
      outcome: odd.map((e) => (e as Error).name).join(', '),
    });
    for (const error of odd) expect(error).toBeInstanceOf(OpenCxError);
  });

  it('sends exactly what it validated: a getter cannot change the input after validation', async () => {
    const service = await boot();
    let reads = 0;
    const input = {
      email: 'getter@example.com',
      http_action_overrides: {
        get headers(): Record<string, string> {
          reads++;
          return reads === 1 ? { 'x-tier': 'gold' } : { 'x-tier': 'gold\r\nX-Injected: 1' };
        },
      },
      get customData(): Record<string, string> {
        return reads > 1 ? { big: 'x'.repeat(2_000_000) } : { plan: 'pro' };
      },
    };
    await service.authenticateUser(input);
    const sent = fake.requests[0]!.rawBody;
    row({
      case: 'getters that change after the first read',
      promise: 'the validated copy is sent',
      outcome: `${reads} read, ${sent.length} bytes sent`,
    });
    expect(reads).toBe(1);
    expect(sent).not.toContain('X-Injected');
    expect(sent.length).toBeLessThan(1_000);
  });

  it('scrubs the key from an echo behind 60 × İ (lower case longer than the text)', async () => {
    const service = await boot();
    fake.failNext(1, 400, {
      body: { statusCode: 400, message: `${'İ'.repeat(60)} ${KEY} invalid`, error: 'Bad Request' },
    });
    const error = (await service.authenticateUser({ email: 'echo@example.com' }).catch((e: unknown) => e)) as Error;
    const shown = `${error.message} ${JSON.stringify(error)} ${String(error.stack)}`;
    row({
      case: 'an upstream echo of the key after 60 × İ',
      promise: 'no secret in any error',
      outcome: shown.includes(KEY.slice(0, 6)) ? 'leaked' : 'scrubbed',
    });
    expect(shown).not.toContain(KEY.slice(0, 6));
  });

  it('logs nothing of the key or the user when it warns', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    const service = await boot({ rateLimit: { perMinute: 1, maxWait: 0 } });
    await service.authenticateUser({ email: 'quiet@example.com' });
    await service.authenticateUser({ email: 'quiet2@example.com' }).catch(() => undefined);
    expect(warnings.join('\n')).not.toMatch(/quiet|sk_edges/);
    jest.restoreAllMocks();
  });

  it('never lets a caller join an identical call whose only caller aborted in the same tick', async () => {
    const service = await boot();
    fake.delayNext(1, 100);
    const leaving = new AbortController();
    const first = service
      .authenticateUser({ email: 'race@example.com' }, { signal: leaving.signal })
      .catch((e: unknown) => e);
    leaving.abort();
    const second = await service.authenticateUser({ email: 'race@example.com' }).catch((e: unknown) => e);
    await first;
    row({
      case: 'a caller joins an identical call as its only caller aborts',
      promise: 'never "aborted by the caller" for a caller that did not abort',
      outcome: second instanceof Error ? second.name : 'answered',
    });
    expect(second).not.toBeInstanceOf(Error);
  });

  it('counts the keys of one organisation together when they share rateLimit.group', async () => {
    const shared = await createOpenCxFakeServer({});
    try {
      const limit = { perMinute: 2, maxWait: 0, group: 'acme' };
      const moduleRef = await Test.createTestingModule({
        imports: [
          OpenCxModule.forRoot({ apiKey: 'sk_group_a_1', baseUrl: shared.url, cache: false, rateLimit: limit }),
          OpenCxModule.forRoot({
            name: 'b',
            apiKey: 'sk_group_b_2',
            baseUrl: shared.url,
            cache: false,
            rateLimit: limit,
          }),
        ],
      }).compile();
      modules.push(moduleRef);
      const a = moduleRef.get(ContactAuthService);
      const b = moduleRef.get<ContactAuthService>(getContactAuthToken('b'));
      const outcomes = await Promise.all(
        [a, b, a, b].map((service, i) =>
          service.authenticateUser({ email: `group${i}@example.com` }).catch((e: unknown) => e),
        ),
      );
      row({
        case: 'two keys, one rateLimit.group, 2 a minute',
        promise: 'one organisation, one limit',
        outcome: `${shared.requests.length} sent`,
      });
      expect(shared.requests).toHaveLength(2);
      expect(outcomes.filter((o) => o instanceof OpenCxClientRateLimitError)).toHaveLength(2);
    } finally {
      await shared.close();
    }
  });
});
