import { inspect } from 'node:util';
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
// The real node-redis, imported before any test replaces it: how it treats a URL it cannot read.
import { createClient as nodeRedisCreateClient } from 'redis';
import { OpenCxConfigurationError } from '../errors/opencx.errors.js';

// The optional peer `redis`, replaced: what the connection asks of it, and what it does when the
// server is not there (or the package is not installed).

interface FakeClient {
  options: Record<string, unknown>;
  connect: () => Promise<unknown>;
  destroy(): void;
  on(event: string, listener: () => void): void;
  errorListeners: number;
}

let connect: () => Promise<unknown> = () => Promise.resolve();
let created: FakeClient | undefined;

const createClient = (options: Record<string, unknown>): FakeClient => {
  created = {
    options,
    connect: () => connect(),
    destroy: () => undefined,
    errorListeners: 0,
    on(event) {
      if (event === 'error') this.errorListeners++;
    },
  };
  return created;
};

/** A node-redis client as the store needs it: the connection's, and the commands it sends. */
const nodeRedis = (options: Record<string, unknown>) =>
  Object.assign(createClient(options), { eval: () => Promise.resolve(0), sendCommand: () => Promise.resolve() });

/** `connectRedis`, loaded fresh with `redis` exporting `exports`. */
async function withRedis(exports: object): Promise<typeof import('./redis-connection.js').connectRedis> {
  jest.resetModules();
  jest.unstable_mockModule('redis', () => exports);
  return (await import('./redis-connection.js')).connectRedis;
}

describe('connectRedis', () => {
  let logger: Logger;
  beforeEach(() => {
    jest.useFakeTimers();
    logger = new Logger('test');
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    created = undefined;
    connect = () => Promise.resolve();
  });
  afterEach(() => jest.useRealTimers());

  it('opens a client that fails commands at once while disconnected and reconnects in the background', async () => {
    const connectRedis = await withRedis({ createClient });
    const client = await connectRedis('redis://127.0.0.1:6379', logger);
    expect(client).toBe(created);
    const { reconnectStrategy, ...socket } = created!.options.socket as Record<string, unknown>;
    expect({ ...created!.options, socket }).toEqual({
      url: 'redis://127.0.0.1:6379',
      disableOfflineQueue: true,
      socket: { connectTimeout: 1_000 },
    });
    const backoff = reconnectStrategy as (retries: number) => number;
    expect([0, 1, 2, 3, 4, 5, 10].map(backoff)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
    // node-redis throws an 'error' event without a listener: one is there.
    expect(created!.errorListeners).toBe(1);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });

  it("is closed by the store that opened it, and a client's throw on close is not the store's", async () => {
    await withRedis({ createClient: nodeRedis });
    const { RedisFleetStore } = await import('./redis-fleet-store.js');
    const store = await RedisFleetStore.connect('redis://127.0.0.1:6379');
    const destroy = jest.fn(() => {
      throw new Error('The client is closed');
    });
    created!.destroy = destroy;
    await expect(store.close()).resolves.toBeUndefined();
    expect(destroy).toHaveBeenCalledTimes(1);
  });

  it('takes createClient from the default export too', async () => {
    const connectRedis = await withRedis({ default: { createClient } });
    const client = await connectRedis('redis://h', logger);
    expect(client).toBe(created);
  });

  it('warns, and goes on, when the first connection fails', async () => {
    connect = () => Promise.reject(new Error('ECONNREFUSED'));
    const connectRedis = await withRedis({ createClient });
    const client = await connectRedis('redis://h', logger);
    expect(client).toBe(created);
    expect(logger.warn).toHaveBeenCalledWith('Redis is not reachable yet; using in-memory behaviour until it is');
  });

  it('is opened by the store with a warning under the OpenCx:redis context', async () => {
    connect = () => Promise.reject(new Error('ECONNREFUSED'));
    await withRedis({ createClient: nodeRedis });
    // Loaded after the reset, as the store is: one Logger class for both.
    const { logged } = await import('../../test/logged.js');
    const { RedisFleetStore } = await import('./redis-fleet-store.js');
    const lines = await logged(async () => (await RedisFleetStore.connect('redis://h')).close());
    expect(lines).toEqual([
      ['warn', 'Redis is not reachable yet; using in-memory behaviour until it is', 'OpenCx:redis'],
    ]);
  });

  it('waits at most a second for the first connection, and warns when it has not come by then', async () => {
    connect = () => new Promise(() => undefined);
    const connectRedis = await withRedis({ createClient });
    let done = false;
    const connecting = connectRedis('redis://h', logger).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    expect(logger.warn).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    await connecting;
    expect(done).toBe(true);
    expect(logger.warn).toHaveBeenCalledWith('Redis is not reachable yet; using in-memory behaviour until it is');
  });

  // A password generated as base64 holds '/', '+' or '=': unencoded, the URL cannot be parsed, and
  // node-redis's own TypeError carries the whole URL as its `input`, which Nest's handler prints.
  const PASSWORD = 'Hunter2/Secret+pw=';
  const unreadable: Array<[string, string]> = [
    ['a base64 password not URL-encoded', `redis://:${PASSWORD}@127.0.0.1:6379`],
    ['a user and base64 password not URL-encoded', `redis://default:${PASSWORD}@127.0.0.1:6379/0`],
    ['a percent sign that starts no escape', 'redis://:Hunter2%Secret@127.0.0.1:6379'],
    ['a percent sign in the user', 'redis://Hunter2%Secret:pw@127.0.0.1:6379'],
    ['a database that is not a number', 'rediss://:Hunter2Secret@127.0.0.1:6379/Secret'],
    ['no host', 'redis://:Hunter2Secret@'],
  ];
  it.each(unreadable)(
    'refuses a URL node-redis cannot read (%s) naming redis, with no part of the URL',
    async (_label, url) => {
      const connectRedis = await withRedis({ createClient: nodeRedisCreateClient });
      const error = await connectRedis(url, logger).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: OpenCxConfigurationError.name });
      expect((error as Error).message).toMatch(/^Invalid OpenCxModule options: redis is not a URL/);
      // What Nest's ExceptionHandler (or Node, for an unhandled rejection) prints: no cause, no input.
      const printed = inspect(error, { depth: 5 });
      for (const part of ['Hunter2', 'Secret', '127.0.0.1', '6379', url]) expect(printed).not.toContain(part);
      expect(created).toBeUndefined();
    },
  );

  it.each([['redis:///0'], ['http://127.0.0.1:6379'], ['unix:///tmp/redis.sock']])(
    'refuses %s, a URL with no host or not a redis:// or rediss:// one, before making a client',
    async (url) => {
      const connectRedis = await withRedis({ createClient });
      await expect(connectRedis(url, logger)).rejects.toThrow('redis is not a URL the redis client can read');
      expect(created).toBeUndefined();
    },
  );

  it('reads a URL-encoded base64 password, and hands the URL to the client as given', async () => {
    const connectRedis = await withRedis({ createClient });
    const url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:6379/2`;
    await connectRedis(url, logger);
    expect(created!.options.url).toBe(url);
  });

  it("never lets the client's own error carry the URL out: when it refuses the URL, and when connect throws", async () => {
    const url = 'redis://:Hunter2Secret@127.0.0.1:6379';
    const carrying = (): never => {
      throw Object.assign(new TypeError(`cannot use ${url}`), { input: url });
    };
    const refusing = await withRedis({ createClient: carrying });
    const error = await refusing(url, logger).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: OpenCxConfigurationError.name });
    expect((error as Error).message).toBe(
      'Invalid OpenCxModule options: redis is a URL the redis client refused: redis://[user:password@]host[:port][/database], its user and password URL-encoded (a base64 password\'s "/", "+" and "=" as %2F, %2B and %3D)',
    );
    expect(inspect(error, { depth: 5 })).not.toContain('Hunter2Secret');

    connect = carrying;
    const connectRedis = await withRedis({ createClient });
    const client = await connectRedis(url, logger);
    expect(client).toBe(created);
    expect(logger.warn).toHaveBeenCalledWith('Redis is not reachable yet; using in-memory behaviour until it is');
  });

  it('says how to install the optional peer when it has no createClient', async () => {
    const connectRedis = await withRedis({ createClient: 'not a function' });
    const failure = connectRedis('redis://h', logger);
    await expect(failure).rejects.toMatchObject({ name: OpenCxConfigurationError.name });
    await expect(failure).rejects.toThrow(
      'Invalid OpenCxModule options: redis is a URL, but the optional peer dependency "redis" is not installed: run `npm install redis`',
    );
  });
});
