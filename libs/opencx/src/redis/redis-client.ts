import { OpenCxConfigurationError } from '../errors/opencx.errors.js';

/**
 * A Redis connection the application already has: a node-redis client or cluster (`createClient()`,
 * `createCluster()`), or an ioredis or iovalkey client or cluster, connected. The library uses only
 * `EVAL`, and never closes it.
 */
export type OpenCxRedisClient = NodeRedisClient | IoRedisClient;

/** A node-redis client or cluster (`createClient()`, `createCluster()`), connected. */
export interface NodeRedisClient {
  /** node-redis's `EVAL`: runs a Lua script with its keys and arguments. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** An ioredis 5 or 6, or iovalkey, client or cluster (`new Redis()`, `new Cluster()`). */
export interface IoRedisClient {
  /** ioredis's `EVAL`: the script, the number of keys, then the keys and the arguments. */
  eval: (...args: never[]) => unknown;
  /** ioredis's own (node-redis has none): how the library tells the two apart. */
  defineCommand: (...args: never[]) => unknown;
}

/** Which kind of Redis client `value` is, by the methods each has; undefined for anything else. */
export function redisClientKind(value: unknown): 'node-redis' | 'ioredis' | undefined {
  const client = value as Partial<Record<'eval' | 'defineCommand' | 'evalsha' | 'sendCommand', unknown>> | null;
  if (client === null || typeof client !== 'object' || typeof client.eval !== 'function') return undefined;
  // ioredis and iovalkey define commands of their own; node-redis has sendCommand and none of those.
  if (typeof client.defineCommand === 'function' && typeof client.evalsha === 'function') return 'ioredis';
  if (typeof client.sendCommand === 'function') return 'node-redis';
  return undefined;
}

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
