import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
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

  it('says how to install the optional peer when it has no createClient', async () => {
    const connectRedis = await withRedis({ createClient: 'not a function' });
    const failure = connectRedis('redis://h', logger);
    await expect(failure).rejects.toMatchObject({ name: OpenCxConfigurationError.name });
    await expect(failure).rejects.toThrow(
      'Invalid OpenCxModule options: redis is a URL, but the optional peer dependency "redis" is not installed: run `npm install redis`',
    );
  });
});
