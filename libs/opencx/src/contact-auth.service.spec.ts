import { jest } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { ContactAuthService } from './contact-auth.service.js';
import { AuthenticateUserResponseDto } from './dto/authenticate-user-response.dto.js';
import { AuthenticateUserDto } from './dto/authenticate-user.dto.js';
import {
  OpenCxAbortError,
  OpenCxApiError,
  OpenCxAuthenticationError,
  OpenCxConfigurationError,
  OpenCxConnectionError,
  OpenCxError,
  OpenCxInvalidResponseError,
  OpenCxRateLimitError,
  OpenCxTimeoutError,
  OpenCxValidationError,
} from './errors/opencx.errors.js';
import { USER_AGENT } from './http/transport.js';
import type { OpenCxModuleOptions } from './opencx.options.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';
import { useOpenCxHarness } from '../test/opencx-harness.js';
import { VERSION } from './version.js';

const API_KEY = 'sk_test_canary_4f1e9c';
const EMAIL = 'canary.user@example.com';

describe('ContactAuthService against the fake OpenCX server', () => {
  // The steps after the cache are under test here: no cache, no client-side limit (see
  // contact-auth.cache.spec.ts for those).
  const h = useOpenCxHarness({ apiKey: API_KEY, retryDelay: 1, maxRetryDelay: 5, cache: false, rateLimit: false });
  let fake: OpenCxFakeServer;
  let service: ContactAuthService;

  async function boot(options: Partial<OpenCxModuleOptions> = {}): Promise<void> {
    service = await h.boot(options);
  }

  beforeEach(async () => {
    fake = h.fake;
    await boot();
  });

  describe('wire format', () => {
    it('POSTs exactly the fields the caller set, with the spec names, key, content type and user agent', async () => {
      const input = {
        email: EMAIL,
        name: 'Ada Lovelace',
        avatar_url: 'https://example.com/a.png',
        phone: '+1234567890',
        language: 'fr' as const,
        customData: { plan: 'pro', seats: 3, nested: { ok: true } },
        chat_context: 'VIP',
        http_action_overrides: {
          query_params: { q: 1 },
          path_params: {},
          body_params: { b: 'x' },
          headers: { 'X-Tier': 'gold' },
        },
      };
      const original = structuredClone(input);
      // Override values OpenCX takes as strings are sent as strings.
      const expectedBody = {
        ...original,
        http_action_overrides: { ...original.http_action_overrides, query_params: { q: '1' } },
      };
      const result = await service.authenticateUser(input);

      expect(result.token.split('.')).toHaveLength(3);
      expect(result.contact?.id).toBe(fake.contactIdFor(EMAIL));
      const [request] = fake.requests;
      expect(fake.requests).toHaveLength(1);
      expect(request!.method).toBe('POST');
      expect(request!.path).toBe('/widget/authenticate-user');
      expect(request!.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(request!.headers['content-type']).toBe('application/json');
      expect(request!.headers['user-agent']).toBe(USER_AGENT);
      expect(USER_AGENT).toContain(`nestjs-opencx/${VERSION}`);
      expect(JSON.parse(request!.rawBody)).toEqual(expectedBody);
      expect(input).toEqual(original);
    });

    it('sends only the email when only the email is set (no undefined, no extra keys)', async () => {
      await service.authenticateUser({ email: EMAIL });
      expect(fake.requests[0]!.rawBody).toBe(JSON.stringify({ email: EMAIL }));
    });

    it('accepts a DTO instance and sends avatar_url: null as null', async () => {
      const dto = Object.assign(new AuthenticateUserDto(), { email: EMAIL, avatar_url: null });
      await service.authenticateUser(dto);
      expect(JSON.parse(fake.requests[0]!.rawBody)).toEqual({ email: EMAIL, avatar_url: null });
    });

    it('uses a per-call apiKey instead of the module one', async () => {
      const other = await createOpenCxFakeServer({ apiKey: 'sk_other_tenant' });
      await boot({ baseUrl: other.url });
      await service.authenticateUser({ email: EMAIL }, { apiKey: 'sk_other_tenant' });
      expect(other.requests[0]!.headers.authorization).toBe('Bearer sk_other_tenant');
      await other.close();
    });

    it('reuses one keep-alive connection for sequential calls', async () => {
      for (let i = 0; i < 6; i++) await service.authenticateUser({ email: EMAIL });
      // The agent may open a second connection while the first finishes its response, but
      // never one per call.
      expect(new Set(fake.requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(2);
    });

    it('honours a baseUrl with a trailing slash', async () => {
      await boot({ baseUrl: `${fake.url}/` });
      await service.authenticateUser({ email: EMAIL });
      expect(fake.requests[0]!.path).toBe('/widget/authenticate-user');
    });
  });

  describe('2xx variants', () => {
    it.each([200, 201, 202])('accepts %i with the documented body', async (status) => {
      fake.queue(1, { kind: 'respond', status, body: { token: 'a.b.c', contact: { id: 'ctc_1' } } });
      await expect(service.authenticateUser({ email: EMAIL })).resolves.toEqual({
        expiresAt: null,
        token: 'a.b.c',
        contact: { id: 'ctc_1' },
      });
    });

    it('rejects a 2xx with an empty body as an invalid response', async () => {
      fake.queue(1, { kind: 'respond', status: 204, body: '' });
      await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxInvalidResponseError);
    });

    it('accepts a body with only a token (older API renders) and drops unknown fields', async () => {
      fake.queue(1, { kind: 'respond', status: 200, body: { token: 'only.a.token', extra: 'x' } });
      const result = await service.authenticateUser({ email: EMAIL });
      expect(result).toEqual({ token: 'only.a.token', expiresAt: null });
      expect(Object.keys(result).toSorted()).toEqual(['expiresAt', 'token']);
    });

    it.each([
      ['a non-JSON body', '<html>oops</html>'],
      ['a body without token', { contact: { id: 'x' } }],
      ['an empty token', { token: '' }],
      ['a numeric contact id', { token: 't', contact: { id: 42 } }],
      ['a JSON array', [1, 2]],
    ])('rejects %s with OpenCxInvalidResponseError, not a TypeError', async (_label, body) => {
      fake.queue(1, { kind: 'respond', status: 200, body });
      const error = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenCxInvalidResponseError);
      expect(fake.requests).toHaveLength(1);
    });

    it('bounds a huge body instead of buffering it', async () => {
      await boot({ maxResponseBytes: 64 * 1024 });
      fake.queue(1, { kind: 'huge-body', bytes: 50 * 1024 * 1024 });
      await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxInvalidResponseError);
    });

    it('reads a slow body to the end', async () => {
      fake.queue(1, { kind: 'slow-body', chunkDelayMs: 1 });
      await expect(service.authenticateUser({ email: EMAIL })).resolves.toEqual({
        expiresAt: null,
        token: 'slow.token.value',
        contact: { id: 'ctc_slow' },
      });
    });
  });

  describe('failures and retries', () => {
    it('does not call OpenCX for invalid input', async () => {
      await expect(service.authenticateUser({ email: 'nope' })).rejects.toBeInstanceOf(OpenCxValidationError);
      expect(fake.requests).toHaveLength(0);
    });

    it.each([500, 502, 503, 504, 408, 429])(
      'retries %i and succeeds when the burst is shorter than maxRetries',
      async (status) => {
        fake.failNext(2, status);
        await expect(service.authenticateUser({ email: EMAIL })).resolves.toHaveProperty('token');
        expect(fake.requests).toHaveLength(3);
      },
    );

    it('gives up after maxRetries + 1 attempts with the typed error', async () => {
      fake.failNext(5, 503);
      const error = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenCxApiError);
      expect((error as OpenCxApiError).upstreamStatus).toBe(503);
      expect(fake.requests).toHaveLength(3);
    });

    it('honours a per-call maxRetries', async () => {
      fake.failNext(5, 500);
      await expect(service.authenticateUser({ email: EMAIL }, { maxRetries: 0 })).rejects.toBeInstanceOf(
        OpenCxApiError,
      );
      expect(fake.requests).toHaveLength(1);
    });

    it.each([
      [400, OpenCxApiError],
      [401, OpenCxAuthenticationError],
      [403, OpenCxAuthenticationError],
      [404, OpenCxApiError],
      [422, OpenCxApiError],
    ])('never retries %i', async (status, ErrorClass) => {
      fake.failNext(1, status);
      await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(ErrorClass);
      expect(fake.requests).toHaveLength(1);
    });

    it('logs a refused key as an error, outside any HTTP request, at most once a minute', async () => {
      const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      await boot({ apiKey: 'sk_wrong_key' });
      await service.authenticateUser({ email: EMAIL }).catch(() => undefined);
      await service.authenticateUser({ email: EMAIL }).catch(() => undefined);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error).toHaveBeenCalledWith(expect.stringContaining("refused the organisation's API key (401)"));
      expect(JSON.stringify(error.mock.calls)).not.toContain('sk_wrong_key');
      error.mockRestore();
    });

    it('maps the fake server refusing our key to OpenCxAuthenticationError with the ErrorDto body', async () => {
      await boot({ apiKey: 'sk_wrong_key' });
      const error = (await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e)) as OpenCxApiError;
      expect(error).toBeInstanceOf(OpenCxAuthenticationError);
      expect(error.body).toEqual({ statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' });
      expect(error.message).not.toContain('sk_wrong_key');
    });

    it('waits out Retry-After (seconds) before retrying', async () => {
      fake.failNext(1, 429, { retryAfter: '0.2' });
      const started = Date.now();
      await service.authenticateUser({ email: EMAIL });
      expect(fake.requests[1]!.receivedAt - fake.requests[0]!.receivedAt).toBeGreaterThanOrEqual(190);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('fails at once with retryAfter when Retry-After exceeds maxRetryAfter', async () => {
      fake.failNext(1, 429, { retryAfter: 36_000 });
      const error = (await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e)) as OpenCxRateLimitError;
      expect(error).toBeInstanceOf(OpenCxRateLimitError);
      expect(error.retryAfter).toBe(36_000);
      expect(fake.requests).toHaveLength(1);
    });

    it('retries a dropped connection and reports OpenCxConnectionError when it keeps dropping', async () => {
      fake.dropNext(1);
      await expect(service.authenticateUser({ email: EMAIL })).resolves.toHaveProperty('token');
      fake.reset();
      // The first attempt goes out on the connection the call above left open: dropped before any
      // byte of an answer, it is resent once at once, beside the two retries.
      fake.dropNext(4);
      await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxConnectionError);
      expect(fake.requests).toHaveLength(4);
    });

    it('treats a connection reset mid-response as a connection error', async () => {
      fake.queue(3, { kind: 'reset-mid-response' });
      await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxConnectionError);
    });

    it('reports a refused connection as OpenCxConnectionError', async () => {
      const gone = await createOpenCxFakeServer();
      await gone.close();
      await boot({ baseUrl: gone.url, maxRetries: 1 });
      const error = (await service
        .authenticateUser({ email: EMAIL })
        .catch((e: unknown) => e)) as OpenCxConnectionError;
      expect(error).toBeInstanceOf(OpenCxConnectionError);
      expect(error.code).toBe('ECONNREFUSED');
    });

    it('times out each attempt of a server that never answers, then throws OpenCxTimeoutError', async () => {
      await boot({ timeout: 100, maxRetries: 1 });
      fake.hangNext(2);
      const started = Date.now();
      const error = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenCxTimeoutError);
      expect(fake.requests).toHaveLength(2);
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('honours a per-call timeout', async () => {
      fake.delayNext(1, 300);
      await expect(service.authenticateUser({ email: EMAIL }, { timeout: 50, maxRetries: 0 })).rejects.toBeInstanceOf(
        OpenCxTimeoutError,
      );
    });

    it('stops at once when the caller aborts, with no further attempt', async () => {
      fake.hangNext(5);
      const controller = new AbortController();
      const pending = service.authenticateUser({ email: EMAIL }, { signal: controller.signal });
      await fake.nextRequest();
      controller.abort();
      await expect(pending).rejects.toBeInstanceOf(OpenCxAbortError);
      expect(fake.requests).toHaveLength(1);
    });

    it('stops during the backoff wait when the caller aborts', async () => {
      const controller = new AbortController();
      // Aborted as the first attempt's failure is reported, so during the (5 s) backoff that follows.
      await boot({
        retryDelay: 10_000,
        maxRetryDelay: 10_000,
        onAttempt: (event) => {
          if (event.willRetry) controller.abort();
        },
      });
      const random = jest.spyOn(Math, 'random').mockReturnValue(0.5);
      fake.failNext(5, 503);
      const started = performance.now();
      const pending = service.authenticateUser({ email: EMAIL }, { signal: controller.signal });
      await expect(pending).rejects.toBeInstanceOf(OpenCxAbortError);
      random.mockRestore();
      expect(fake.requests).toHaveLength(1);
      expect(performance.now() - started).toBeLessThan(4_000);
    });

    it('rejects an already-aborted signal without calling OpenCX', async () => {
      await expect(service.authenticateUser({ email: EMAIL }, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
        OpenCxAbortError,
      );
      expect(fake.requests).toHaveLength(0);
    });

    it('ends the whole call by totalTimeout, retries and waits included, with OpenCxTimeoutError', async () => {
      await boot({ timeout: 100, maxRetries: 10, totalTimeout: 250 });
      fake.hangNext(10);
      const started = Date.now();
      await expect(service.authenticateUser({ email: EMAIL })).rejects.toBeInstanceOf(OpenCxTimeoutError);
      expect(fake.requests.length).toBeLessThanOrEqual(3);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('fails at once when a Retry-After would pass totalTimeout', async () => {
      fake.failNext(1, 429, { retryAfter: 25 });
      const error = await service.authenticateUser({ email: EMAIL }, { totalTimeout: 10_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenCxRateLimitError);
      expect(fake.requests).toHaveLength(1);
    });

    it('sends extraFields beside the input, and refuses ones that repeat a known field', async () => {
      // A field OpenCX may accept before this library knows it.
      await h.restartFake({ apiKey: API_KEY, refuseUnknownFields: false });
      fake = h.fake;
      await boot();
      const future = { beta_flag: true };
      await service.authenticateUser({ email: EMAIL }, { extraFields: { future } });
      expect(JSON.parse(fake.requests[0]!.rawBody)).toEqual({ email: EMAIL, future });
      for (const known of [{ email: 'other@example.com' }, { mcp_access: {} }]) {
        await expect(service.authenticateUser({ email: EMAIL }, { extraFields: known })).rejects.toBeInstanceOf(
          OpenCxValidationError,
        );
      }
      expect(fake.requests).toHaveLength(1);
    });

    it('sends mcp_access as typed, and returns when its one-hour token expires; a chat-only token has no expiry', async () => {
      const chat = await service.authenticateUser({ email: EMAIL });
      expect(chat.expiresAt).toBeNull();
      for (const mcp of [{}, { server_ids: [] }, { server_ids: ['srv_1'], account_id: 'acc_1' }]) {
        const before = Date.now();
        const answer = await service.authenticateUser({ email: EMAIL, mcp_access: mcp });
        expect(JSON.parse(fake.requests.at(-1)!.rawBody)).toEqual({ email: EMAIL, mcp_access: mcp });
        const expiresIn = Date.parse(answer.expiresAt ?? '') - before;
        expect(expiresIn).toBeGreaterThan(3_590_000);
        expect(expiresIn).toBeLessThanOrEqual(3_601_000);
      }
      const bad = await service
        .authenticateUser({ email: EMAIL, mcp_access: { server_ids: [''], account_id: 7 } } as never)
        .catch((e: unknown) => e);
      expect((bad as OpenCxValidationError).errors.map((e) => e.field)).toEqual([
        'mcp_access.server_ids',
        'mcp_access.account_id',
      ]);
    });

    it('rejects an unknown per-call option (a typo) naming it, before anything is sent', async () => {
      const error = (await service
        .authenticateUser({ email: EMAIL }, { timeot: 5 } as never)
        .catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(OpenCxConfigurationError);
      expect(error.message).toBe('Invalid OpenCxModule options: per-call timeot is not an option');
      expect(fake.requests).toHaveLength(0);
    });

    it('never follows a redirect: the key is not sent anywhere else', async () => {
      const elsewhere = await createOpenCxFakeServer({ apiKey: API_KEY });
      const redirector = createServer((_req, res) => {
        res.writeHead(307, { location: `${elsewhere.url}/widget/authenticate-user` }).end();
      });
      await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
      try {
        await boot({ baseUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`, maxRetries: 0 });
        const error = (await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e)) as OpenCxApiError;
        expect(error).toBeInstanceOf(OpenCxApiError);
        expect(error.upstreamStatus).toBe(307);
        expect(elsewhere.requests).toHaveLength(0);
      } finally {
        await new Promise((resolve) => redirector.close(resolve));
        await elsewhere.close();
      }
    });

    it('rejects a bad per-call option naming it', async () => {
      const error = (await service
        .authenticateUser({ email: EMAIL }, { timeout: -1 })
        .catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(OpenCxConfigurationError);
      expect(error.message).toContain('timeout');
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('with an interceptor added by the user', () => {
    it.each<[string, () => void, (new (...args: never[]) => Error) | undefined]>([
      ['a success', () => undefined, undefined],
      ['a 503 burst', () => fake.failNext(3, 503), OpenCxApiError],
      ['a 401', () => fake.failNext(1, 401), OpenCxAuthenticationError],
      ['a reset mid-response', () => fake.queue(3, { kind: 'reset-mid-response' }), OpenCxConnectionError],
      ['a hang', () => fake.hangNext(3), OpenCxTimeoutError],
      ['a huge body', () => fake.queue(1, { kind: 'huge-body', bytes: 5 * 1024 * 1024 }), OpenCxInvalidResponseError],
      ['a non-JSON 200', () => fake.malformedNext(1), OpenCxInvalidResponseError],
    ])('maps %s exactly as without one', async (_label, script, ErrorClass) => {
      await boot({ timeout: 100, maxResponseBytes: 64 * 1024 });
      service.httpService.axiosRef.interceptors.request.use((config) => {
        config.headers.set('x-via-axios', '1');
        return config;
      });
      script();
      const outcome = await service.authenticateUser({ email: EMAIL }).catch((e: unknown) => e);
      expect(outcome).toBeInstanceOf(ErrorClass ?? AuthenticateUserResponseDto);
      expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(fake.requests[0]!.headers['x-via-axios']).toBe('1');
    });
  });

  describe('secrets', () => {
    it('logs retries at debug level without the key, email, phone or header values', async () => {
      const lines: string[] = [];
      const spies = (['debug', 'log', 'warn', 'error', 'verbose'] as const).map((level) =>
        jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
          lines.push(args.map(String).join(' '));
        }),
      );
      fake.failNext(2, 503, { body: { message: `no ${EMAIL}` } });
      await service.authenticateUser({
        email: EMAIL,
        phone: '+1987654321',
        http_action_overrides: { headers: { 'X-S': 'hdr-secret-value' } },
      });
      for (const spy of spies) spy.mockRestore();
      expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
      for (const secret of [API_KEY, EMAIL, '+1987654321', 'hdr-secret-value'])
        expect(lines.join('\n')).not.toContain(secret);
    });

    it('keeps the key, email, phone and header values out of every error it throws', async () => {
      const secrets = [API_KEY, EMAIL, '+1987654321', 'hdr-secret-value'];
      const input = {
        email: EMAIL,
        phone: '+1987654321',
        http_action_overrides: { headers: { 'X-S': 'hdr-secret-value' } },
      };
      const errors: unknown[] = [];
      for (const script of [
        () =>
          fake.failNext(1, 400, { body: { statusCode: 400, message: `user ${EMAIL} with phone +1987654321 refused` } }),
        () => fake.failNext(3, 500, { body: { message: `Bearer ${API_KEY} hdr-secret-value` } }),
        () => fake.malformedNext(1, `<p>${EMAIL}</p>`),
        () => fake.dropNext(4),
      ]) {
        fake.reset();
        script();
        errors.push(await service.authenticateUser(input).catch((e: unknown) => e));
      }
      errors.push(await service.authenticateUser({ ...input, phone: '123' }).catch((e: unknown) => e));
      for (const error of errors) {
        expect(error).toBeInstanceOf(OpenCxError);
        const e = error as Error;
        const printed = [
          e.message,
          String(e),
          JSON.stringify(e),
          e.stack ?? '',
          JSON.stringify((e as OpenCxApiError).body ?? {}),
        ].join('\n');
        for (const secret of secrets) expect(printed).not.toContain(secret);
      }
    });
  });

  describe('deleteContact', () => {
    it('erases the contact at OpenCX, which then refuses its tokens, and evicts its cached token', async () => {
      await boot({ cache: {} });
      const issued = await service.authenticateUser({ email: EMAIL });
      expect(fake.tokenAccepted(issued.token)).toBe(true);
      await service.deleteContact(issued.contact!.id);
      const request = fake.requests.at(-1)!;
      expect([request.method, request.path, request.headers.authorization]).toEqual([
        'DELETE',
        `/contacts/${issued.contact!.id}`,
        `Bearer ${API_KEY}`,
      ]);
      expect(fake.tokenAccepted(issued.token)).toBe(false);
      // Not answered from the cache: a new contact, a new token.
      const again = await service.authenticateUser({ email: EMAIL });
      expect(again.contact!.id).not.toBe(issued.contact!.id);
      expect(fake.requests).toHaveLength(3);
    });

    it('is safe to repeat: a contact OpenCX no longer knows (404) is already erased', async () => {
      const { contact } = await service.authenticateUser({ email: EMAIL });
      await service.deleteContact(contact!.id);
      await expect(service.deleteContact(contact!.id)).resolves.toBeUndefined();
    });

    it('retries like authenticateUser, and refuses a contact id that is not one, sending nothing', async () => {
      fake.failNext(1, 503);
      const { contact } = await service
        .authenticateUser({ email: EMAIL })
        .catch(() => service.authenticateUser({ email: EMAIL }));
      fake.reset();
      fake.failNext(1, 503);
      await service.deleteContact(contact!.id);
      expect(fake.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
      for (const bad of ['', 'has space', 'x'.repeat(129), 42]) {
        await expect(service.deleteContact(bad as never)).rejects.toBeInstanceOf(OpenCxValidationError);
      }
      expect(fake.requests).toHaveLength(2);
    });
  });
});
