import { ConsoleLogger, Logger } from '@nestjs/common';
import { RedisFleetStore } from 'nestjs-opencx/redis';
import { createClient } from 'redis';
import { closedPort } from '../../libs/opencx/test/closed-port.js';
import { describeWithRedis, startRedis } from '../support/redis-server.mjs';

const quiet = (): void => undefined;

/** Warnings Nest's loggers write while `run` runs, each with when (ms after the start). */
async function warnings(run: () => Promise<unknown>): Promise<Array<[string, number]>> {
  const lines: Array<[string, number]> = [];
  const start = performance.now();
  Logger.overrideLogger({
    log: quiet,
    error: quiet,
    debug: quiet,
    verbose: quiet,
    warn: (message: unknown) => void lines.push([String(message), performance.now() - start]),
  });
  try {
    await run();
  } finally {
    Logger.overrideLogger(new ConsoleLogger());
  }
  return lines;
}

describeWithRedis('Redis start-up suite')('a bad Redis at start-up', () => {
  it('is said within the connect timeout for a redis:// URL nobody answers, and the store says degraded from the start', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    let store: RedisFleetStore | undefined;
    try {
      const lines = await warnings(async () => {
        store = await RedisFleetStore.connect(url);
        // The first health check reads this at once.
        expect(store.degraded).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 200));
      });
      expect(lines.length).toBeGreaterThan(0);
      // The connect timeout (1 s), and a margin for a machine held up by other work.
      expect(lines[0]![1]).toBeLessThan(2_500);
      expect(lines.map(([line]) => line).join('\n')).toMatch(/Redis/);
      // Neither the URL nor its port is in the warning.
      expect(lines.map(([line]) => line).join('\n')).not.toContain(new URL(url).port);
    } finally {
      await store?.close();
    }
  }, 15_000);

  it("is said within the store's timeout for a client whose server is frozen", async () => {
    const redis = await startRedis();
    const client = createClient({ url: redis.url });
    await client.connect();
    let store: RedisFleetStore | undefined;
    try {
      redis.freeze();
      const lines = await warnings(async () => {
        store = new RedisFleetStore(client);
        expect(store.degraded).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      });
      // Its 1 s timeout, or longer when the process itself was held up (a busy process is not an outage).
      expect(lines.some(([line, at]) => /Redis unavailable/.test(line) && at < 3_000)).toBe(true);
      expect(store!.degraded).toBe(true);
    } finally {
      redis.thaw();
      await store?.close();
      client.destroy();
      await redis.stop();
    }
  }, 15_000);
});
