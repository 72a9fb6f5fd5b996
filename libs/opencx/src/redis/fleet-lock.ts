import type { RedisGuard } from './redis-guard.js';

/** The part of a node-redis client the lock uses. */
export interface LockClient {
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null>;
  del(key: string): Promise<number>;
  exists(key: string): Promise<number>;
}

/**
 * Single-flight across a fleet: the instance that takes the lock for a payload calls OpenCX; the
 * others wait for its answer in the shared cache. When Redis is down every instance proceeds on its
 * own (the lock is then reported as taken).
 */
export class FleetLock {
  constructor(
    private readonly client: LockClient,
    private readonly guard: RedisGuard,
  ) {}

  acquire(key: string, ttlMs: number): Promise<boolean> {
    return this.guard.run(
      async () => (await this.client.set(`opencx-lock:${key}`, '1', { NX: true, PX: ttlMs })) === 'OK',
      () => true,
      'single-flight',
    );
  }

  async release(key: string): Promise<void> {
    await this.guard.run(
      () => this.client.del(`opencx-lock:${key}`),
      () => 0,
      'single-flight',
    );
  }

  isHeld(key: string): Promise<boolean> {
    return this.guard.run(
      async () => (await this.client.exists(`opencx-lock:${key}`)) === 1,
      () => false,
      'single-flight',
    );
  }
}
