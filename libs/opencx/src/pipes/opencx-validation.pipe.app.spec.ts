import { Body, Controller, type INestApplication, Module, Post, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { PartialType } from '@nestjs/swagger';
import { AuthenticateUserDto } from '../dto/authenticate-user.dto.js';
import { OpenCxValidationError } from '../errors/opencx.errors.js';
import { OpenCxModule } from '../opencx.module.js';
import { OpenCxValidationPipe } from './opencx-validation.pipe.js';

// Through a real Nest app on Express (and Fastify): the body as its JSON parser gives it, prototype keys included.

let received: Array<Partial<AuthenticateUserDto>> = [];

@Controller()
class ContactsController {
  @Post('contacts')
  take(@Body() dto: AuthenticateUserDto): { ok: true } {
    received.push(dto);
    return { ok: true };
  }
}

/** A user's own method decorator that wraps the handler, as tracing and logging decorators do. */
function Traced(): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => unknown;
    descriptor.value = function (this: unknown, ...args: unknown[]) {
      return original.apply(this, args);
    };
  };
}

class PatchUserDto extends PartialType(AuthenticateUserDto) {}

@Controller()
class UserShapesController {
  @Post('traced')
  @Traced()
  traced(@Body() dto: AuthenticateUserDto): { ok: true } {
    received.push(dto);
    return { ok: true };
  }

  @Post('partial')
  partial(@Body() dto: PatchUserDto): { ok: true } {
    received.push(dto);
    return { ok: true };
  }
}

@Controller()
class OtherController {
  @Post('other')
  take(@Body() body: Record<string, unknown>): Record<string, unknown> {
    return body;
  }
}

@Module({ controllers: [ContactsController] })
class AppModule {}

@Module({
  imports: [OpenCxModule.forRoot({ apiKey: 'sk-app-spec', cache: false })],
  controllers: [ContactsController, UserShapesController, OtherController],
})
class WithOpenCxModule {}

async function start(
  pipe: ValidationPipe,
  fastify = false,
  module: object = AppModule,
): Promise<{ app: INestApplication; url: string }> {
  const app = fastify
    ? await NestFactory.create(module, new FastifyAdapter(), { logger: false })
    : await NestFactory.create(module, { logger: false });
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

  // Nest's stock pipe deletes these keys in place, before class-transformer or any DTO code runs; the
  // module's body check runs before pipes (an interceptor), on the routes that take the library's DTOs.
  describe.each(STOCK)("Nest's stock ValidationPipe (%s) in an app that imports OpenCxModule", (_label, pipe) => {
    it.each(KEYS)('answers customData.%s with a 400 naming the field', async (key) => {
      const started = await start(pipe(), false, WithOpenCxModule);
      app = started.app;
      const response = await post(
        started.url,
        `{"email":"a@example.com","customData":{"${key}":{"polluted":true},"plan":"pro"}}`,
      );
      expect([response.status, ((await response.json()) as { fields: unknown }).fields]).toEqual([
        400,
        [{ field: `customData.${key}`, messages: [`customData.${key} is not an allowed key`] }],
      ]);
      expect(received).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('lets a clean body through to the pipe and the handler', async () => {
      const started = await start(pipe(), false, WithOpenCxModule);
      app = started.app;
      const response = await post(started.url, '{"email":"a@example.com","customData":{"plan":"pro"}}');
      expect([response.status, received.map((dto) => dto.customData)]).toEqual([201, [{ plan: 'pro' }]]);
    });
  });

  it.each(['traced', 'partial'])(
    'checks a handler wrapped by a method decorator and a PartialType of the DTO (/%s)',
    async (route) => {
      const started = await start(new ValidationPipe(), false, WithOpenCxModule);
      app = started.app;
      const response = await fetch(`${started.url}/${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email":"a@example.com","customData":{"__proto__":{"polluted":true},"plan":"pro"}}',
      });
      expect([response.status, ((await response.json()) as { fields: unknown }).fields, received]).toEqual([
        400,
        [{ field: 'customData.__proto__', messages: ['customData.__proto__ is not an allowed key'] }],
        [],
      ]);
    },
  );

  it('checks only the routes that take an OpenCX DTO: another body keeps what the stock pipe does with it', async () => {
    const started = await start(new ValidationPipe(), false, WithOpenCxModule);
    app = started.app;
    const response = await fetch(`${started.url}/other`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"__proto__":{"polluted":true},"plan":"pro"}',
    });
    expect([response.status, Object.keys((await response.json()) as object)]).toEqual([201, ['__proto__', 'plan']]);
  });

  it('on Fastify, its JSON parser refuses a __proto__ key first (naming no field); the module names the others', async () => {
    const started = await start(new ValidationPipe(), true, WithOpenCxModule);
    app = started.app;
    const answers = [];
    for (const key of KEYS) {
      const response = await post(
        started.url,
        `{"email":"a@example.com","customData":{"${key}":{"polluted":true},"plan":"pro"}}`,
      );
      answers.push([response.status, ((await response.json()) as { fields?: unknown }).fields]);
    }
    expect([answers, received]).toEqual([
      [
        [400, undefined],
        [400, [{ field: 'customData.constructor', messages: ['customData.constructor is not an allowed key'] }]],
        [400, [{ field: 'customData.prototype', messages: ['customData.prototype is not an allowed key'] }]],
      ],
      [],
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
