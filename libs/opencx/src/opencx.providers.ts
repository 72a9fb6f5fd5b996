import type { Provider } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import KeyvRedis from '@keyv/redis';
import axios from 'axios';
import { Keyv } from 'keyv';
import { Agent } from 'undici';
import { TokenCache } from './cache/token-cache.js';
import { ContactAuthService } from './contact-auth.service.js';
import { createUndiciAdapter } from './http/undici-adapter.js';
import {
  OPENCX_DISPATCHER,
  OPENCX_FLEET_LOCK,
  OPENCX_HTTP_SERVICE,
  OPENCX_RATE_LIMITER,
  OPENCX_REDIS,
  OPENCX_RESOLVED_OPTIONS,
  OPENCX_TOKEN_CACHE,
} from './opencx.constants.js';
import { OPENCX_MODULE_OPTIONS } from './opencx.module-definition.js';
import { resolveOpenCxOptions, type OpenCxModuleOptions, type ResolvedOpenCxOptions } from './opencx.options.js';
import { ClientRateLimiter } from './rate-limit/client-rate-limiter.js';
import { FleetLock } from './redis/fleet-lock.js';
import { connectRedis, type OpenCxRedisClient } from './redis/redis-client.js';
import { RedisGuard } from './redis/redis-guard.js';

/** Idle keep-alive connections are closed after this long (below common server timeouts of 5 s). */
const KEEP_ALIVE_TIMEOUT_MS = 4_000;

/**
 * The module's own `HttpService`: its own axios instance whose adapter is undici, over a
 * keep-alive connection pool per origin (no handshake per call, no connection cap).
 */
function createHttpService(dispatcher: Agent): HttpService {
  // The default export's `create`: the named `create` export exists only in recent axios 1.x.
  // oxlint-disable-next-line import/no-named-as-default-member
  return new HttpService(axios.create({ adapter: createUndiciAdapter(dispatcher) }));
}

const logger = new Logger('OpenCx');
const guard = new RedisGuard(logger);

function createTokenCache(options: ResolvedOpenCxOptions, redis: OpenCxRedisClient | null): TokenCache | null {
  if (!options.cache) return null;
  const store =
    options.cache.store ??
    (redis ? new Keyv({ store: new KeyvRedis(redis, { throwOnErrors: true }), namespace: 'opencx-token' }) : undefined);
  return new TokenCache({ ...options.cache, store }, guard);
}

/**
 * What `OpenCxModule` provides: validated options, the transport (undici dispatcher and the
 * `HttpService` over it), the optional Redis connection, token cache, rate limiter and fleet lock
 * (each `null` when turned off), and the service.
 */
export const OPENCX_PROVIDERS: Provider[] = [
  {
    provide: OPENCX_RESOLVED_OPTIONS,
    useFactory: (options: OpenCxModuleOptions) => resolveOpenCxOptions(options),
    inject: [OPENCX_MODULE_OPTIONS],
  },
  { provide: OPENCX_DISPATCHER, useFactory: () => new Agent({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS }) },
  { provide: OPENCX_HTTP_SERVICE, useFactory: createHttpService, inject: [OPENCX_DISPATCHER] },
  {
    provide: OPENCX_REDIS,
    useFactory: (options: ResolvedOpenCxOptions) => (options.redis ? connectRedis(options.redis, logger) : null),
    inject: [OPENCX_RESOLVED_OPTIONS],
  },
  { provide: OPENCX_TOKEN_CACHE, useFactory: createTokenCache, inject: [OPENCX_RESOLVED_OPTIONS, OPENCX_REDIS] },
  {
    provide: OPENCX_RATE_LIMITER,
    useFactory: (options: ResolvedOpenCxOptions, redis: OpenCxRedisClient | null) =>
      options.rateLimit ? new ClientRateLimiter(options.rateLimit, redis ?? undefined) : null,
    inject: [OPENCX_RESOLVED_OPTIONS, OPENCX_REDIS],
  },
  {
    provide: OPENCX_FLEET_LOCK,
    useFactory: (redis: OpenCxRedisClient | null) => (redis ? new FleetLock(redis, guard) : null),
    inject: [OPENCX_REDIS],
  },
  ContactAuthService,
];
