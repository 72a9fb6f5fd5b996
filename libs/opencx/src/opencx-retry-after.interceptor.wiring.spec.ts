import { jest } from '@jest/globals';
import {
  Body,
  Catch,
  Controller,
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  Module,
  Post,
  UseInterceptors,
  ValidationPipe,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, BaseExceptionFilter, HttpAdapterHost, type AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { AuthenticateUserDto } from './dto/authenticate-user.dto.js';
import { OpenCxClientRateLimitError } from './errors/opencx.errors.js';
import { OpenCxRetryAfterInterceptor } from './opencx-retry-after.interceptor.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

const KEY = 'sk_wiring_canary_1';

// The Quick start's controller, as a user writes it.
@Controller('chat')
class ChatController {
  constructor(private readonly contactAuth: ContactAuthService) {}

  @Post('token')
  token(@Body() dto: AuthenticateUserDto) {
    return this.contactAuth.authenticateUser(dto);
  }
}

/** What the teams' own filters reported, by error class: their error reporting must keep seeing OpenCX errors. */
const reported: string[] = [];

/** The catch-all filter from NestJS's documentation (status from `instanceof HttpException`, else 500). */
@Catch()
class DocsCatchAllFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const context = host.switchToHttp();
    const status = exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    httpAdapter.reply(context.getResponse(), { statusCode: status, path: '/house-format' }, status);
  }
}

/** A filter built on Nest's own, as teams write them to report to Sentry first. */
@Catch()
class SentryLikeFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    reported.push((exception as Error).name);
    super.catch(exception, host);
  }
}

/** A house filter provided as APP_FILTER: its own body shape and its own reporting, for every error. */
@Injectable()
@Catch()
class HouseFilter implements ExceptionFilter {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    reported.push((exception as Error).name);
    const status = exception instanceof HttpException ? exception.getStatus() : 500;
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), { ok: false, house: status }, status);
  }
}

interface Setup {
  /** The module's extras. */
  extras?: { retryAfter?: boolean };
  /** Providers of the app module (an APP_FILTER). */
  providers?: Provider[];
  /** What main.ts adds. */
  wire?: (app: INestApplication) => void;
  /** Whether `Retry-After` is expected on a rate limit's 503. */
  header: boolean;
  /** Whose body answers: the library's own (`getResponse()`, as Nest's default and BaseExceptionFilter write it), or a team's. */
  body: 'library' | 'docs' | 'house';
  /** Whether the team's own filter reports the error. */
  reports: boolean;
}

/** The body a 503 is answered with, by whose filter writes it; `retryAfter` as the library's body carries it. */
const bodyOf = (setup: Setup, retryAfter: unknown): unknown =>
  ({
    library: expect.objectContaining({ statusCode: 503, retryAfter }),
    docs: { statusCode: 503, path: '/house-format' },
    house: { ok: false, house: 503 },
  })[setup.body];

/** The `Retry-After` of a refusal during a 7 s pause, which has begun to run out: whole seconds up to 7. */
const headerOf = (setup: Setup): unknown => (setup.header ? expect.stringMatching(/^[1-7]$/) : null);
const anyNumber: unknown = expect.any(Number);

const adapterOf = (app: INestApplication): AbstractHttpAdapter => app.get(HttpAdapterHost).httpAdapter;

const SETUPS: Array<[string, Setup]> = [
  ['nothing but OpenCxModule', { header: false, body: 'library', reports: false }],
  ['retryAfter: true', { extras: { retryAfter: true }, header: true, body: 'library', reports: false }],
  [
    "NestJS's documented catch-all filter (useGlobalFilters) and retryAfter: true",
    {
      extras: { retryAfter: true },
      wire: (app) => app.useGlobalFilters(new DocsCatchAllFilter(app.get(HttpAdapterHost))),
      header: true,
      body: 'docs',
      reports: false,
    },
  ],
  [
    "NestJS's documented catch-all filter as APP_FILTER and the interceptor through useGlobalInterceptors",
    {
      providers: [{ provide: APP_FILTER, useClass: DocsCatchAllFilter }],
      wire: (app) => app.useGlobalInterceptors(new OpenCxRetryAfterInterceptor(app.get(HttpAdapterHost))),
      header: true,
      body: 'docs',
      reports: false,
    },
  ],
  [
    'a BaseExceptionFilter subclass and retryAfter: true',
    {
      extras: { retryAfter: true },
      wire: (app) => app.useGlobalFilters(new SentryLikeFilter(adapterOf(app))),
      header: true,
      body: 'library',
      reports: true,
    },
  ],
  [
    'a house APP_FILTER and retryAfter: true',
    {
      extras: { retryAfter: true },
      providers: [{ provide: APP_FILTER, useClass: HouseFilter }],
      header: true,
      body: 'house',
      reports: true,
    },
  ],
];

const PLATFORMS: Array<[string, () => AbstractHttpAdapter]> = [
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
];

describe.each(PLATFORMS)('on %s', (_platform, adapter) => {
  describe.each(SETUPS)('with %s', (_label, setup) => {
    let fake: OpenCxFakeServer;
    let app: INestApplication;
    let url: string;

    beforeAll(async () => {
      fake = await createOpenCxFakeServer({ apiKey: KEY });
    }, 30_000);
    // A new app per test: a 429 pauses the key, and no test may depend on another's pause.
    beforeEach(async () => {
      fake.reset();
      reported.length = 0;
      // The interceptor's operator log lines are checked in its own spec.
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const moduleRef = await Test.createTestingModule({
        imports: [
          OpenCxModule.forRoot({
            apiKey: KEY,
            baseUrl: fake.url,
            maxRetries: 0,
            timeout: 1_000,
            cache: false,
            rateLimit: { maxWait: 0 },
            ...setup.extras,
          }),
        ],
        controllers: [ChatController],
        providers: setup.providers ?? [],
      }).compile();
      app = moduleRef.createNestApplication(adapter(), { logger: false });
      // A plain pipe: no whitelist, so a typo field reaches the service.
      app.useGlobalPipes(new ValidationPipe());
      setup.wire?.(app);
      // Real HTTP on both: Fastify's in-process inject() loads an ESM-only dependency jest cannot require on Node 20.
      await app.listen(0, '127.0.0.1');
      url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    }, 30_000);
    afterEach(async () => {
      await app?.close();
      jest.restoreAllMocks();
    });
    afterAll(() => fake?.close());

    const post = async (body: object) => {
      const response = await fetch(`${url}/chat/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: (await response.json()) as Record<string, unknown>,
      };
    };

    it('answers a typo field with 400 and an upstream 503 with 502, neither with Retry-After', async () => {
      const typo = await post({ email: 'a@example.com', avatarUrl: 'https://x.test/a.png' });
      expect(typo.status).toBe(400);
      expect(fake.requests).toHaveLength(0);
      fake.failNext(1, 503);
      const failed = await post({ email: 'a@example.com' });
      expect(failed.status).toBe(502);
      expect(failed.retryAfter).toBeNull();
    });

    it("answers an upstream 429 with 503, Retry-After, and the app's own filter's body and reporting", async () => {
      fake.failNext(1, 429, { retryAfter: 7 });
      const limited = await post({ email: 'b@example.com' });
      expect(limited.status).toBe(503);
      expect(limited.retryAfter).toBe(setup.header ? '7' : null);
      expect(limited.body).toEqual(bodyOf(setup, 7));
      expect(reported).toEqual(setup.reports ? ['OpenCxRateLimitError'] : []);
    });

    it('sets Retry-After on each of two identical requests that share one flight and its one error', async () => {
      // Slow enough that the second request joins the first's flight.
      fake.setLatency(300);
      try {
        fake.failNext(1, 429, { retryAfter: 7 });
        const answers = await Promise.all([post({ email: 'same@example.com' }), post({ email: 'same@example.com' })]);
        expect(fake.authenticateRequests()).toHaveLength(1);
        expect(answers.map((a) => a.status)).toEqual([503, 503]);
        expect(answers.map((a) => a.retryAfter)).toEqual(setup.header ? ['7', '7'] : [null, null]);
        expect(answers.map((a) => a.body)).toEqual([bodyOf(setup, 7), bodyOf(setup, 7)]);
      } finally {
        fake.setLatency(0);
      }
    });

    it('answers a client-side refusal with 503 and the wait it knows', async () => {
      fake.failNext(1, 429, { retryAfter: 7 });
      expect((await post({ email: 'b@example.com' })).status).toBe(503);
      fake.reset();
      // The 429 paused the key; any call now is refused before it is sent.
      const refused = await post({ email: 'd@example.com' });
      expect(refused.status).toBe(503);
      expect(fake.requests).toHaveLength(0);
      // The same wait in the header and in the library's body.
      expect(refused.retryAfter).toEqual(headerOf(setup));
      expect(refused.body).toEqual(bodyOf(setup, setup.header ? Number(refused.retryAfter) : anyNumber));
    });
  });
});

// Feature modules, as `nest g module` makes them, each with a controller that names the interceptor:
// Nest makes one interceptor per module.
const refusingController = (path: string) => {
  @Controller(path)
  @UseInterceptors(OpenCxRetryAfterInterceptor)
  class RefusingController {
    @Post('token')
    token(): never {
      throw new OpenCxClientRateLimitError(7, 'max-wait');
    }
  }
  @Module({ controllers: [RefusingController] })
  class FeatureModule {}
  return FeatureModule;
};

describe('@UseInterceptors(OpenCxRetryAfterInterceptor) on controllers of several modules', () => {
  let app: INestApplication;
  afterEach(async () => {
    await app.close();
    jest.restoreAllMocks();
  });

  it('logs one kind of 503 once a window for the application, whichever module answered it', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [refusingController('chat'), refusingController('support'), refusingController('admin')],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    for (const path of ['chat', 'support', 'admin', 'chat', 'support', 'admin']) {
      const response = await fetch(`${url}/${path}/token`, { method: 'POST' });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('7');
    }
    const lines = warn.mock.calls.map(([message]) => String(message)).filter((m) => m.includes('answered as 503'));
    expect(lines).toEqual(['OpenCxClientRateLimitError answered as 503']);
  });
});
