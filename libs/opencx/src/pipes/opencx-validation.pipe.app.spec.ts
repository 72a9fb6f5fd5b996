import { Body, Controller, type INestApplication, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { OpenCxValidationPipe } from './opencx-validation.pipe.js';

// Through a real Nest app on Express: the body as its JSON parser gives it, prototype keys included.

let received: AuthenticateUserDto[] = [];

@Controller()
class ContactsController {
  @Post('contacts')
  take(@Body() dto: AuthenticateUserDto): { ok: true } {
    received.push(dto);
    return { ok: true };
  }
}

@Module({ controllers: [ContactsController] })
class AppModule {}

async function start(pipe: ValidationPipe): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(AppModule, { logger: false });
  app.useGlobalPipes(pipe);
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

const post = (url: string, body: string): Promise<Response> =>
  fetch(`${url}/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

const KEYS = ['__proto__', 'constructor', 'prototype'];

describe('a prototype key inside customData, through a real Express app', () => {
  let app: INestApplication | undefined;
  beforeEach(() => {
    received = [];
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each(KEYS)('OpenCxValidationPipe answers customData.%s with a 400 naming the field', async (key) => {
    const started = await start(new OpenCxValidationPipe());
    app = started.app;
    const response = await post(
      started.url,
      `{"email":"a@example.com","customData":{"${key}":{"polluted":true},"plan":"pro"}}`,
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { fields: unknown }).fields).toEqual([
      { field: `customData.${key}`, messages: [`customData.${key} is not an allowed key`] },
    ]);
    expect(received).toEqual([]);
  });

  it.each(KEYS)(
    "Nest's stock ValidationPipe removes customData.%s before any DTO code runs: never a prototype, never passed on",
    async (key) => {
      const started = await start(
        new ValidationPipe({
          whitelist: true,
          forbidNonWhitelisted: true,
          transform: true,
          exceptionFactory: (errors) => OpenCxValidationError.fromValidationErrors(errors),
        }),
      );
      app = started.app;
      const response = await post(
        started.url,
        `{"email":"a@example.com","customData":{"${key}":{"polluted":true},"plan":"pro"}}`,
      );
      expect([response.status, received.map((dto) => Object.keys(dto.customData ?? {}))]).toEqual([201, [['plan']]]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});
