import { Body, Controller, Post } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import {
  ApiOpenCxErrorResponses,
  AuthenticateUserDto,
  AuthenticateUserResponseDto,
  ContactAuthService,
  OpenCxModule,
  OpenCxValidationPipe,
} from 'nestjs-opencx';
import { createOpenCxFakeServer, type OpenCxFakeServer } from 'nestjs-opencx/testing';
import { HOOK_TIMEOUT_MS } from '../support/hooks.js';

const KEY = 'sk_fastify_canary_9';

@Controller('chat')
class ChatController {
  constructor(private readonly contactAuth: ContactAuthService) {}

  @Post('token')
  @ApiOpenCxErrorResponses()
  token(@Body() dto: AuthenticateUserDto): Promise<AuthenticateUserResponseDto> {
    return this.contactAuth.authenticateUser(dto);
  }
}

describe('on @nestjs/platform-fastify', () => {
  let fake: OpenCxFakeServer;
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    fake = await createOpenCxFakeServer({ apiKey: KEY });
    const moduleRef = await Test.createTestingModule({
      imports: [
        OpenCxModule.forRoot({
          apiKey: KEY,
          baseUrl: fake.url,
          maxRetries: 0,
          timeout: 300,
          cache: false,
          retryAfter: true,
        }),
      ],
      controllers: [ChatController],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalPipes(new OpenCxValidationPipe());
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('fastify').build());
    SwaggerModule.setup('docs', app, document);
    // Real HTTP: Fastify's in-process inject() loads an ESM-only dependency jest cannot require on Node 20.
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  }, HOOK_TIMEOUT_MS);
  beforeEach(() => fake.reset());
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  const send = async (body: string) => {
    const response = await fetch(`${url}/chat/token`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    return { statusCode: response.status, headers: Object.fromEntries(response.headers), json: await response.json() };
  };
  const post = (payload: object) => send(JSON.stringify(payload));

  it('answers 201 with the token, and 400 naming a bad field (prototype keys included)', async () => {
    expect((await post({ email: 'fastify@example.com' })).statusCode).toBe(201);
    const typo = await post({ email: 'fastify@example.com', avatarUrl: 'x' });
    expect(typo.statusCode).toBe(400);
    expect((typo.json as { fields: Array<{ field: string }> }).fields.map((f) => f.field)).toEqual(['avatarUrl']);
    const proto = await send('{"email":"a@example.com","customData":{"constructor":{"x":1}}}');
    expect(proto.statusCode).toBe(400);
  });

  it('answers 502, 504 and 503 with Retry-After, as on Express', async () => {
    fake.failNext(1, 500);
    expect((await post({ email: 'a@example.com' })).statusCode).toBe(502);
    fake.hangNext(1);
    expect((await post({ email: 'b@example.com' })).statusCode).toBe(504);
    fake.failNext(1, 429, { retryAfter: 9 });
    const limited = await post({ email: 'c@example.com' });
    expect(limited.statusCode).toBe(503);
    expect(limited.headers['retry-after']).toBe('9');
  });

  it('serves Swagger UI and the OpenAPI document with the error answers on Fastify', async () => {
    // Swagger UI's assets on Fastify are served by @fastify/static (docs/compatibility.md).
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    const asset = await fetch(`${url}/docs/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(10_000);
    const document = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, { post?: { responses?: Record<string, unknown> } }>;
    };
    const responses = document.paths['/chat/token']?.post?.responses ?? {};
    expect(Object.keys(responses)).toEqual(expect.arrayContaining(['400', '502', '503', '504']));
  });
});
