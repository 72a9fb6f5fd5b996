import type { ChildProcess } from 'node:child_process';

/** Debian's redis-server, which `.ci/run` installs. */
export declare const REDIS_SERVER: string;

/** `describe`, or `describe.skip` where redis-server is missing (never in CI). */
export declare function describeWithRedis(suite: string): jest.Describe;

export interface RedisServer {
  url: string;
  process: ChildProcess;
  /** SIGSTOP: the server keeps its connections but answers nothing, as a frozen host would. */
  freeze(): void;
  /** SIGCONT after {@link RedisServer.freeze}. */
  thaw(): void;
  /** Deletes every key. */
  flush(): Promise<void>;
  /** Every key and its value, for checking what the library stores. */
  dump(): Promise<Record<string, string>>;
  /** Kills the server and starts an empty one on the same port: a restart that lost every key. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a throw-away redis-server on a free loopback port and waits until it answers. */
export declare function startRedis(extraArgs?: string[]): Promise<RedisServer>;

export interface RedisCluster {
  /** Every master, each with its share of the hash slots. */
  nodes: Array<{ host: string; port: number; url: string }>;
  /** Deletes every key on every node. */
  flush(): Promise<void>;
  /** Every key of every node and its value. */
  dump(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/** Starts a throw-away Redis Cluster of `size` (3) masters on loopback ports, ready to use. */
export declare function startRedisCluster(size?: number): Promise<RedisCluster>;
