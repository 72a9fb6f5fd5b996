import { hash } from 'node:crypto';
import { OpenCxConfigurationError } from '../errors/opencx.errors.js';

/**
 * A Redis connection the application already has: a node-redis client or cluster (`createClient()`,
 * `createCluster()`), or an ioredis or iovalkey client or cluster, connected. The library runs its
 * scripts by `EVALSHA` (loading them with `EVAL` when the server does not have them), and never
 * closes it.
 */
export type OpenCxRedisClient = NodeRedisClient | IoRedisClient;

/** The keys and arguments of a script, as node-redis takes them. */
interface NodeRedisScriptOptions {
  keys: string[];
  arguments: string[];
}

/** A node-redis client or cluster (`createClient()`, `createCluster()`), connected. */
export interface NodeRedisClient {
  /** node-redis's `EVAL`: runs a Lua script with its keys and arguments. */
  eval(script: string, options: NodeRedisScriptOptions): Promise<unknown>;
  /** node-redis's `EVALSHA`: runs a script the server has loaded. Without it, every script goes by `EVAL`. */
  evalSha?(sha1: string, options: NodeRedisScriptOptions): Promise<unknown>;
}

/** An ioredis 5 or 6, or iovalkey, client or cluster (`new Redis()`, `new Cluster()`). */
export interface IoRedisClient {
  /** ioredis's `EVAL`: the script, the number of keys, then the keys and the arguments. */
  eval: (...args: never[]) => unknown;
  /** ioredis's `EVALSHA`: the script's SHA-1, the number of keys, then the keys and the arguments. */
  evalsha: (...args: never[]) => unknown;
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

/** A Lua script and its SHA-1, by which the server knows it once loaded. */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

/** A script made once, at load: its SHA-1 is computed here, never per call. */
export function redisScript(source: string): RedisScript {
  return { source, sha: hash('sha1', source, 'hex') };
}

/** Runs one script with its keys and arguments, whatever the client. */
export type RunScript = (script: RedisScript, keys: string[], args: Array<string | number>) => Promise<unknown>;

/** The leading word of a Redis error reply (`NOSCRIPT`, `WRONGTYPE`, `ERR`, …), or undefined for any other error. */
function replyCode(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : undefined;
  return message === undefined ? undefined : /^([A-Z]{2,})(?: |$)/.exec(message)?.[1];
}

/**
 * Whether `error` is the data's or the script's problem (a Redis reply `ERR …` or `WRONGTYPE …`),
 * as opposed to an outage: a refused or lost connection, a time-out, a server loading, busy, out
 * of memory or read-only. Only an outage says Redis cannot be used.
 */
export function isDataError(error: unknown): boolean {
  const code = replyCode(error);
  return code === 'ERR' || code === 'WRONGTYPE';
}

/**
 * `EVALSHA` for the client the application gave, loading a script with `EVAL` when the server (or a
 * cluster node, or a server that restarted) answers NOSCRIPT. node-redis takes the keys and
 * arguments as options, ioredis and iovalkey as a count then a list. Any other object stops
 * start-up: a client the library cannot use must never leave the fleet silently running on memory.
 */
export function scriptRunner(client: OpenCxRedisClient): RunScript {
  let byHash: (script: RedisScript, keys: string[], args: string[]) => Promise<unknown>;
  let bySource: (script: RedisScript, keys: string[], args: string[]) => Promise<unknown>;
  switch (redisClientKind(client)) {
    case 'node-redis': {
      const node = client as NodeRedisClient;
      bySource = (script, keys, args) => node.eval(script.source, { keys, arguments: args });
      byHash = (script, keys, args) =>
        typeof node.evalSha === 'function'
          ? node.evalSha(script.sha, { keys, arguments: args })
          : bySource(script, keys, args);
      break;
    }
    case 'ioredis': {
      const io = client as unknown as Record<'eval' | 'evalsha', (...args: Array<string | number>) => Promise<unknown>>;
      bySource = (script, keys, args) => io.eval(script.source, keys.length, ...keys, ...args);
      byHash = (script, keys, args) => io.evalsha(script.sha, keys.length, ...keys, ...args);
      break;
    }
    default:
      throw new OpenCxConfigurationError(['redis must be a connected node-redis, ioredis or iovalkey client']);
  }
  // One load at a time per script: calls that find it missing while it loads wait, then ask again by hash.
  const loading = new Map<string, Promise<unknown>>();
  return async (script, keys, args) => {
    const text = args.map(String);
    try {
      return await byHash(script, keys, text);
    } catch (error) {
      if (replyCode(error) !== 'NOSCRIPT') throw error;
    }
    const load = loading.get(script.sha);
    if (load) {
      await load.catch(() => undefined);
      try {
        return await byHash(script, keys, text);
      } catch (error) {
        // Another server (a cluster's node, a restart) that has not seen it: loaded with this call.
        if (replyCode(error) !== 'NOSCRIPT') throw error;
      }
    }
    const loaded = bySource(script, keys, text);
    loading.set(script.sha, loaded);
    try {
      return await loaded;
    } finally {
      if (loading.get(script.sha) === loaded) loading.delete(script.sha);
    }
  };
}
