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

// How to write a URL node-redis reads: said when one cannot be read, since the URL itself never is.
const URL_FORM =
  'redis://[user:password@]host[:port][/database], its user and password URL-encoded (a base64 password\'s "/", "+" and "=" as %2F, %2B and %3D)';

/**
 * Whether node-redis can read `url`, judged here first: node-redis's own errors for a URL it cannot
 * read (a WHATWG `TypeError` whose `input` is the URL) would print the password wherever the error
 * is logged. The checks are node-redis's: a `redis:` or `rediss:` URL with a host, a user and
 * password that decode, and at most a database number as its path.
 */
function readable(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return false;
  }
  return (
    (parsed.protocol === 'redis:' || parsed.protocol === 'rediss:') &&
    parsed.hostname !== '' &&
    /^(\/\d*)?$/.test(parsed.pathname)
  );
}

/**
 * Opens a connection that never blocks start-up or calls on Redis: commands fail at once while
 * disconnected (no offline queue), reconnection goes on in the background, and a first connection
 * that fails, or has not succeeded within the connect timeout, is a warning (the library runs on
 * local state until Redis is back). A URL node-redis cannot read is an OpenCxConfigurationError
 * naming `redis`, and no error of the client's (which may hold the URL, password included) is
 * passed on.
 */
export async function connectRedis(url: string, logger: Logger): Promise<OwnedRedisClient> {
  if (!readable(url)) throw new OpenCxConfigurationError([`redis is not a URL the redis client can read: ${URL_FORM}`]);
  const createClient = await loadCreateClient();
  let client: OwnedRedisClient;
  try {
    client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 1_000),
      },
    });
  } catch {
    throw new OpenCxConfigurationError([`redis is a URL the redis client refused: ${URL_FORM}`]);
  }
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const connected = await Promise.race([
    // A client that throws instead of rejecting is not reachable either: its error is not passed on.
    Promise.resolve()
      .then(() => client.connect())
      .then(
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
