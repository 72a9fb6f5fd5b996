import { jest } from '@jest/globals';
import { Controller, Logger, Module, Post, UseInterceptors, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { OpenCxClientRateLimitError } from './errors/opencx.errors.js';
import { OpenCxRetryAfterInterceptor } from './opencx-retry-after.interceptor.js';

// Break (promise 2): the interceptor logs each kind of 5xx answer (class and status) once per
// window. Used as documented, `@UseInterceptors(OpenCxRetryAfterInterceptor)` per controller, in
// an app whose controllers live in feature modules (as `nest g module` makes them), Nest makes one
// interceptor per module, each with its own memory of what it logged: the same kind of answer is
// logged once per module per window, not once.

@Controller('chat')
@UseInterceptors(OpenCxRetryAfterInterceptor)
class ChatController {
  @Post('token')
  token(): never {
    throw new OpenCxClientRateLimitError(7, 'max-wait');
  }
}

@Controller('support')
@UseInterceptors(OpenCxRetryAfterInterceptor)
class SupportController {
  @Post('token')
  token(): never {
    throw new OpenCxClientRateLimitError(7, 'max-wait');
  }
}

@Controller('admin')
@UseInterceptors(OpenCxRetryAfterInterceptor)
class AdminController {
  @Post('token')
  token(): never {
    throw new OpenCxClientRateLimitError(7, 'max-wait');
  }
}

@Module({ controllers: [ChatController] })
class ChatModule {}
@Module({ controllers: [SupportController] })
class SupportModule {}
@Module({ controllers: [AdminController] })
class AdminModule {}

describe('attack37: interceptor log lines with the interceptor on controllers of several modules', () => {
  let app: INestApplication;
  afterEach(async () => {
    await app.close();
    jest.restoreAllMocks();
  });

  it('logs one kind of 503 once in the window, whichever controller answered it', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await Test.createTestingModule({ imports: [ChatModule, SupportModule, AdminModule] }).compile();
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
