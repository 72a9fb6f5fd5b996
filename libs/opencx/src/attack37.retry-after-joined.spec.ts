import { jest } from '@jest/globals';
import { Body, Controller, Logger, Post, ValidationPipe, type INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { ContactAuthService } from './contact-auth.service.js';
import { AuthenticateUserDto } from './dto/authenticate-user.dto.js';
import { OpenCxModule } from './opencx.module.js';
import { createOpenCxFakeServer, type OpenCxFakeServer } from './testing/index.js';

// Break (promise 2): Retry-After must reach every client whose request ends in a rate limit's 503.
// Two identical requests at once share one flight and are rejected with the same error instance;
// the interceptor's module-wide `seen` WeakSet then skips the second request, which gets its 503
// with no Retry-After header.

const KEY = 'sk_attack37_joined';

@Controller('chat')
class ChatController {
  constructor(private readonly contactAuth: ContactAuthService) {}

  @Post('token')
  token(@Body() dto: AuthenticateUserDto) {
    return this.contactAuth.authenticateUser(dto);
  }
}

const PLATFORMS: Array<[string, () => AbstractHttpAdapter]> = [
  ['Express', () => new ExpressAdapter()],
  ['Fastify', () => new FastifyAdapter()],
];

describe.each(PLATFORMS)('attack37: Retry-After for identical concurrent requests on %s', (_name, adapter) => {
  let fake: OpenCxFakeServer;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
  });
  beforeEach(async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, maxRetries: 0, timeout: 2_000, retryAfter: true }),
      ],
      controllers: [ChatController],
    }).compile();
    app = moduleRef.createNestApplication(adapter(), { logger: false });
    app.useGlobalPipes(new ValidationPipe());
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterEach(async () => {
    await app.close();
    jest.restoreAllMocks();
  });
  afterAll(() => fake.close());

  const post = async (body: object) => {
    const response = await fetch(`${url}/chat/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
  };

  it('sets Retry-After on each of two identical requests answered by one upstream 429', async () => {
    fake.reset();
    fake.setLatency(300);
    fake.failNext(1, 429, { retryAfter: 7 });
    const answers = await Promise.all([post({ email: 'same@example.com' }), post({ email: 'same@example.com' })]);
    expect(fake.authenticateRequests()).toHaveLength(1); // one flight shared
    expect(answers.map((a) => a.status)).toEqual([503, 503]);
    expect(answers.map((a) => (a.body as { retryAfter?: number }).retryAfter)).toEqual([7, 7]);
    expect(answers.map((a) => a.retryAfter)).toEqual(['7', '7']);
  });
});
