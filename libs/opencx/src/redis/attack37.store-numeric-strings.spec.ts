import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createClient } from 'redis';
import { RedisFleetStore } from './redis-fleet-store.js';

// Break (promise 6: numeric options accept numeric strings from the environment, as
// `process.env` and `registerAs` give them). The module's `redisTimeout: "500"` is taken, but the
// same option given where docs/fleets-and-redis.md documents it, `new RedisFleetStore(client,
// { timeout: process.env.REDIS_TIMEOUT_MS })`, stops start-up with "redis timeout must be an integer
// from 1 to 60000" (a message that "500" seems to satisfy); so do `heartbeat` and `maxEntries`.

describe('attack37: RedisFleetStore options from the environment', () => {
  it.each([[{ timeout: '500' }], [{ heartbeat: '1000' }], [{ maxEntries: '10' }]])(
    'takes the numeric string %j',
    async (options) => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const client = createClient({ url: 'redis://127.0.0.1:1' });
      client.on('error', () => undefined);
      let store: RedisFleetStore | undefined;
      try {
        expect(() => {
          store = new RedisFleetStore(client, options as never);
        }).not.toThrow();
      } finally {
        await store?.close();
        jest.restoreAllMocks();
      }
    },
  );
});
