/**
 * nestjs-opencx/redis: the fleet store in Redis, so that the instances of an application share
 * the token cache, each contact's lock, the rate limit and the 429 pause. Pass it as the `store`
 * option, or set the `redis` option, which loads this entry point on demand.
 */
export { RedisFleetStore } from './redis-fleet-store.js';
export type { RedisFleetStoreOptions } from './redis-store-options.js';
export type { OpenCxRedisClient, NodeRedisClient, IoRedisClient } from './redis-client.js';
