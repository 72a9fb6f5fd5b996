import { Body, Controller, Post, ValidationPipe, type INestApplication } from '@nestjs/common';
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

describe('errors answered right with nothing but OpenCxModule imported', () => {
  let fake: OpenCxFakeServer;
  let app: INestApplication;

  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: KEY,
          baseUrl: fake.url,
          maxRetries: 0,
          timeout: 200,
          cache: false,
          rateLimit: false,
        }),
      ],
      controllers: [ChatController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    // A plain pipe: no whitelist, so a typo field reaches the service.
    app.useGlobalPipes(new ValidationPipe());
    await app.init();
  });
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await app.close();
    await fake.close();
  });

  it('answers a typo field with 400 naming it, not 500', async () => {
    const response = await request(app.getHttpServer())
      .post('/chat/token')
      .send({ email: 'a@example.com', avatarUrl: 'https://x.test/a.png' });
    expect(response.status).toBe(400);
    expect(response.body.fields).toEqual([{ field: 'avatarUrl', messages: ['property avatarUrl should not exist'] }]);
    expect(fake.requests).toHaveLength(0);
  });

  it.each([
    [503, 502, {}, undefined],
    [429, 503, { retryAfter: 7 }, '7'],
  ])('answers an upstream %i as %i', async (upstream, status, options, retryAfter) => {
    fake.failNext(1, upstream, options);
    const response = await request(app.getHttpServer()).post('/chat/token').send({ email: 'a@example.com' });
    expect(response.status).toBe(status);
    expect(response.headers['retry-after']).toBe(retryAfter);
  });

  it('answers no answer in time as 504', async () => {
    fake.hangNext(1);
    const response = await request(app.getHttpServer()).post('/chat/token').send({ email: 'a@example.com' });
    expect(response.status).toBe(504);
  });

  it('is not registered with exceptionFilter: false', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [OpenCxModule.forRoot({ apiKey: KEY, baseUrl: fake.url, exceptionFilter: false })],
      controllers: [ChatController],
    }).compile();
    const bare = moduleRef.createNestApplication({ logger: false });
    await bare.init();
    const response = await request(bare.getHttpServer()).post('/chat/token').send({ email: 'nope' });
    expect(response.status).toBe(500);
    await bare.close();
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
