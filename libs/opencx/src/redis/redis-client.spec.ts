import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import { toEval, type OpenCxRedisClient } from './redis-client.js';

describe('toEval', () => {
  it('sends node-redis the keys and the arguments, as text, as its options', async () => {
    const calls: unknown[][] = [];
    const client = {
      eval: (...args: unknown[]) => {
        calls.push(args);
        return Promise.resolve('ok');
      },
      sendCommand: () => Promise.resolve(undefined),
    };
    await expect(toEval(client)('return 1', ['k1', 'k2'], [1, 'a'])).resolves.toBe('ok');
    expect(calls).toEqual([['return 1', { keys: ['k1', 'k2'], arguments: ['1', 'a'] }]]);
  });

  it('sends ioredis and iovalkey the number of keys, then the keys and the arguments as text, on the client', async () => {
    const calls: unknown[][] = [];
    const client = {
      eval(this: unknown, ...args: unknown[]) {
        calls.push([this === client, ...args]);
        return Promise.resolve('ok');
      },
      defineCommand: () => undefined,
      evalsha: () => undefined,
    };
    await expect(toEval(client)('return 1', ['k1', 'k2'], [1, 'a'])).resolves.toBe('ok');
    expect(calls).toEqual([[true, 'return 1', 2, 'k1', 'k2', '1', 'a']]);
  });

  it('stops start-up for any other object', () => {
    const other = { eval: () => Promise.resolve(null) } as unknown as OpenCxRedisClient;
    expect(() => toEval(other)).toThrow(OpenCxConfigurationError);
    expect(() => toEval(other)).toThrow(
      'Invalid OpenCxModule options: redis must be a connected node-redis, ioredis or iovalkey client',
    );
  });
});
