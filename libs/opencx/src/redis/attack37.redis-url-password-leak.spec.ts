import { inspect } from 'node:util';
import { Test } from '@nestjs/testing';
import { OpenCxModule } from '../opencx.module.js';

// Break (promises 7 and 6): no secret in any log line or error; a bad option is refused with an
// OpenCxConfigurationError naming it, never printing its value. A Redis password generated as
// base64 holds '/', '+' or '='; put unencoded in `redis: process.env.REDIS_URL` it makes the URL
// unparsable, and start-up fails with node-redis's raw `TypeError: Invalid URL` whose `input`
// is the whole URL: Nest's ExceptionHandler logs it (util.inspect), password included.

const PASSWORD = 'Hunter2/Secret+pw=';

describe('attack37: a redis:// URL whose password is not URL-encoded', () => {
  it('is refused naming the redis option, without the password anywhere', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:6379`;
    const error = await (async () => {
      const moduleRef = await Test.createTestingModule({
        imports: [OpenCxModule.forRoot({ apiKey: 'sk_attack37_redisurl', redis: url })],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      await app.close();
    })().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeDefined();
    // What Nest's ExceptionHandler (or Node, for an unhandled rejection) prints.
    expect(inspect(error)).not.toContain('Secret');
    expect(error).toMatchObject({ name: 'OpenCxConfigurationError' });
    expect(error!.message).toContain('redis');
  });
});
