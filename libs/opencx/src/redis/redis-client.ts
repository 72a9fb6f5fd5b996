import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import {
  redisClientKind,
  type IoRedisClient,
  type NodeRedisClient,
  type OpenCxRedisClient,
} from '../opencx.options.js';

/** Runs one Lua script with its keys and arguments, whatever the client. */
export type RedisEval = (script: string, keys: string[], args: Array<string | number>) => Promise<unknown>;

/**
 * `EVAL` for the client the application gave: node-redis takes the keys and arguments as options,
 * ioredis and iovalkey as a count then a list. Any other object stops start-up: a client the
 * library cannot use must never leave the fleet silently running on memory.
 */
export function toEval(client: OpenCxRedisClient): RedisEval {
  switch (redisClientKind(client)) {
    case 'node-redis':
      return (script, keys, args) => (client as NodeRedisClient).eval(script, { keys, arguments: args.map(String) });
    case 'ioredis': {
      const evaluate = (client as IoRedisClient).eval as unknown as (
        ...args: Array<string | number>
      ) => Promise<unknown>;
      return (script, keys, args) => evaluate.call(client, script, keys.length, ...keys, ...args.map(String));
    }
    default:
      throw new OpenCxConfigurationError(['redis must be a connected node-redis, ioredis or iovalkey client']);
  }
}
