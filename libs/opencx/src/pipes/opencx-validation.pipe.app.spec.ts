import { Body, Controller, type INestApplication, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { OpenCxValidationPipe } from './opencx-validation.pipe.js';

// Through a real Nest app on Express (and Fastify): the body as its JSON parser gives it, prototype keys included.

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

async function start(pipe: ValidationPipe, fastify = false): Promise<{ app: INestApplication; url: string }> {
  const app = fastify
    ? await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false })
    : await NestFactory.create(AppModule, { logger: false });
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

  const STOCK: Array<[string, () => ValidationPipe]> = [
    ['new ValidationPipe()', () => new ValidationPipe()],
    [
      "the library's options",
      () =>
        new ValidationPipe({
          whitelist: true,
          forbidNonWhitelisted: true,
          transform: true,
          exceptionFactory: (errors) => OpenCxValidationError.fromValidationErrors(errors),
        }),
    ],
  ];

  // Nest's stock pipe deletes these keys in place, anywhere in the body, before class-transformer or
  // any DTO code runs: nothing is left for a DTO to see. What it answers is Nest's to decide.
  describe.each(STOCK)("Nest's stock ValidationPipe (%s)", (_label, pipe) => {
    it.each(KEYS)('removes customData.%s before any DTO code runs: never a prototype, never passed on', async (key) => {
      const started = await start(pipe());
      app = started.app;
      const response = await post(
        started.url,
        `{"email":"a@example.com","customData":{"${key}":{"polluted":true},"plan":"pro"}}`,
      );
      expect([response.status, received.map((dto) => Object.keys(dto.customData ?? {}))]).toEqual([201, [['plan']]]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  it('on Fastify, its JSON parser refuses a __proto__ key before the stock pipe, naming no field; the others are dropped', async () => {
    const started = await start(new ValidationPipe(), true);
    app = started.app;
    const statuses = [];
    for (const key of KEYS)
      statuses.push(
        (await post(started.url, `{"email":"a@example.com","customData":{"${key}":{"polluted":true},"plan":"pro"}}`))
          .status,
      );
    expect([statuses, received.map((dto) => Object.keys(dto.customData ?? {}))]).toEqual([
      [400, 201, 201],
      [['plan'], ['plan']],
    ]);
  });

  // A pipe that leaves the keys in (a Nest version or a subclass that does not strip them): the DTO's
  // own rules see customData as the parser gave it, and refuse it naming the field.
  class KeepingPipe extends ValidationPipe {
    protected override stripProtoKeys(): void {}
  }

  it.each(KEYS)(
    'a stock pipe that does not strip them: the DTO answers customData.%s with a 400 naming it',
    async (key) => {
      const started = await start(new KeepingPipe());
      app = started.app;
      const response = await post(
        started.url,
        `{"email":"a@example.com","customData":{"${key}":{"polluted":true},"plan":"pro"}}`,
      );
      expect([response.status, ((await response.json()) as { message: unknown }).message]).toEqual([
        400,
        [`customData must not use the key "${key}"`],
      ]);
      expect(received).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});
