import { createClient } from 'redis';
import { describeWithRedis, startRedis } from '../support/redis-server.mjs';

/** The process id of the server answering at `url`, or undefined when none does. */
async function answeringPid(url: string): Promise<number | undefined> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

describeWithRedis('redis-server helper')('the suites’ redis-server helper', () => {
  it('fails a start at once, naming why, when the server dies while starting', async () => {
    await expect(startRedis(['--maxmemory', 'not-a-size'])).rejects.toThrow('exited while starting');
  }, 30_000);

  it('starts one server after the other for two restarts close together, and stops the one running', async () => {
    const redis = await startRedis();
    try {
      await Promise.all([redis.restart(), redis.restart()]);
      // The server the helper holds is the one answering, so stopping it leaves nothing behind.
      expect(await answeringPid(redis.url)).toBe(redis.process.pid);
    } finally {
      await redis.stop();
    }
    expect(await answeringPid(redis.url)).toBeUndefined();
  }, 60_000);

  it('starts an empty server again after a stop (Redis back after an outage)', async () => {
    const redis = await startRedis();
    try {
      await redis.stop();
      expect(await answeringPid(redis.url)).toBeUndefined();
      await redis.restart();
      expect(await answeringPid(redis.url)).toBe(redis.process.pid);
    } finally {
      await redis.stop();
    }
    expect(await answeringPid(redis.url)).toBeUndefined();
  }, 60_000);
});
