import type { Logger } from '@nestjs/common';
import { createClient } from '@keyv/redis';

const CONNECT_TIMEOUT_MS = 1_000;

/** The node-redis client the library shares between the cache, the limiter and the fleet lock. */
export type OpenCxRedisClient = ReturnType<typeof newClient>;

const newClient = (url: string) =>
  createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
    },
  });

/**
 * Connects to Redis without ever blocking start-up or requests on it: commands fail fast while
 * disconnected (no offline queue), reconnection goes on in the background, and a failed first
 * connection is a warning, not an error (the library runs on local state until Redis is back).
 */
export async function connectRedis(url: string, logger: Logger): Promise<OpenCxRedisClient> {
  const client = newClient(url);
  let warned = false;
  client.on('error', (error: Error) => {
    if (!warned) logger.warn(`Redis connection problem (${error.message}); using local behaviour until it recovers`);
    warned = true;
  });
  client.on('ready', () => {
    warned = false;
  });
  await Promise.race([
    client.connect().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, CONNECT_TIMEOUT_MS)),
  ]);
  return client;
}
