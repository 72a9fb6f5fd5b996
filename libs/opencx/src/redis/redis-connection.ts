import type { Logger } from '@nestjs/common';
import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import type { NodeRedisClient } from './redis-client.js';
import { importOptional } from '../util/optional-import.js';

const CONNECT_TIMEOUT_MS = 1_000;
const INSTALL = 'npm install redis';

/** The part of node-redis's `createClient` result the add-on uses when it opens the connection itself. */
export interface OwnedRedisClient extends NodeRedisClient {
  sendCommand(...args: never[]): unknown;
  connect(): Promise<unknown>;
  readonly isReady?: boolean;
  destroy(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

type CreateClient = (options: object) => OwnedRedisClient;

/** Loads the optional peer `redis`, or stops start-up saying how to install it. */
async function loadCreateClient(): Promise<CreateClient> {
  try {
    const redis = await importOptional<{ createClient?: CreateClient; default?: { createClient?: CreateClient } }>(
      'redis',
    );
    const createClient = redis?.createClient ?? redis?.default?.createClient;
    if (typeof createClient === 'function') return createClient;
  } catch {
    // reported below
  }
  throw new OpenCxConfigurationError([
    `redis is a URL, but the optional peer dependency "redis" is not installed: run \`${INSTALL}\``,
  ]);
}

/**
 * Opens a connection that never blocks start-up or calls on Redis: commands fail at once while
 * disconnected (no offline queue), reconnection goes on in the background, and a first connection
 * that fails, or has not succeeded within the connect timeout, is a warning (the library runs on
 * local state until Redis is back).
 */
export async function connectRedis(url: string, logger: Logger): Promise<OwnedRedisClient> {
  const createClient = await loadCreateClient();
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 1_000),
    },
  });
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const connected = await Promise.race([
    client.connect().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), CONNECT_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (!connected) logger.warn('Redis is not reachable yet; using in-memory behaviour until it is');
  return client;
}
