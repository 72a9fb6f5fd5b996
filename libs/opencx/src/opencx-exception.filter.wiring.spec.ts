import { jest } from '@jest/globals';
import {
  Body,
  Catch,
  Controller,
  HttpException,
  HttpStatus,
  Logger,
  Post,
  ValidationPipe,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { lastValueFrom, type Observable } from 'rxjs';
import request from 'supertest';
import { ContactAuthService } from './contact-auth.service.js';
import { AuthenticateUserDto } from './dto/authenticate-user.dto.js';
import { OpenCxRateLimitError } from './errors/opencx.errors.js';
import { OpenCxExceptionFilter } from './opencx-exception.filter.js';
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

/** A house filter built on Nest's own, as teams write them to report to Sentry first. */
@Catch()
class SentryLikeFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(exception, host);
  }
}

type Setup = (app: INestApplication) => void;

const SETUPS: Array<[string, { exceptionFilter?: boolean }, Setup, boolean]> = [
  ['nothing but OpenCxModule', {}, () => undefined, false],
  ['exceptionFilter: true', { exceptionFilter: true }, () => undefined, true],
  [
    "NestJS's documented catch-all filter",
    {},
    (app) => app.useGlobalFilters(new DocsCatchAllFilter(app.get(HttpAdapterHost))),
    false,
  ],
  [
    'a BaseExceptionFilter subclass',
    {},
    (app) => app.useGlobalFilters(new SentryLikeFilter(app.get(HttpAdapterHost).httpAdapter)),
    false,
  ],
];

describe.each(SETUPS)('errors answered right with %s', (_label, extras, setup, retryAfterHeader) => {
  let fake: OpenCxFakeServer;
  let app: INestApplication;

  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  // A new app per test: a 429 pauses the key, and no test may depend on another's pause.
  beforeEach(async () => {
    fake.reset();
    // The filter's operator log lines are checked in its own spec.
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: KEY,
          baseUrl: fake.url,
          maxRetries: 0,
          // Long enough for a new app's first request on a loaded machine; the hang case waits it out once.
          timeout: 1_000,
          cache: false,
          rateLimit: { maxWait: 0 },
          ...extras,
        }),
      ],
      controllers: [ChatController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    // A plain pipe: no whitelist, so a typo field reaches the service.
    app.useGlobalPipes(new ValidationPipe());
    setup(app);
    await app.init();
  });
  afterEach(async () => {
    await app.close();
    jest.restoreAllMocks();
  });
  afterAll(() => fake.close());

  const post = (body: object) => request(app.getHttpServer()).post('/chat/token').send(body);

  it('answers a typo field with 400, not 500', async () => {
    const response = await post({ email: 'a@example.com', avatarUrl: 'https://x.test/a.png' });
    expect(response.status).toBe(400);
    expect(fake.requests).toHaveLength(0);
  });

  it('answers an upstream 503 with 502, no answer in time with 504, an upstream 429 with 503', async () => {
    fake.failNext(1, 503);
    expect((await post({ email: 'a@example.com' })).status).toBe(502);
    fake.hangNext(1);
    expect((await post({ email: 'c@example.com' })).status).toBe(504);
    fake.failNext(1, 429, { retryAfter: 7 });
    const limited = await post({ email: 'b@example.com' });
    expect(limited.status).toBe(503);
    expect(limited.headers['retry-after']).toBe(retryAfterHeader ? '7' : undefined);
  });

  it('answers a client-side refusal with 503', async () => {
    fake.failNext(1, 429, { retryAfter: 7 });
    expect((await post({ email: 'b@example.com' })).status).toBe(503);
    fake.reset();
    // The 429 paused the key; any call now is refused before it is sent.
    const refused = await post({ email: 'd@example.com' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after'] !== undefined).toBe(retryAfterHeader);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('OpenCxExceptionFilter outside HTTP', () => {
  it('hands a microservice the typed error unchanged', async () => {
    const filter = new OpenCxExceptionFilter({} as never);
    const error = new OpenCxRateLimitError({ status: 429, retryAfter: 3 });
    const host = { getType: () => 'rpc' } as never;
    await expect(lastValueFrom(filter.catch(error, host) as Observable<never>)).rejects.toBe(error);
    expect(filter.catch(error, { getType: () => 'graphql' } as never)).toBe(error);
  });
});
