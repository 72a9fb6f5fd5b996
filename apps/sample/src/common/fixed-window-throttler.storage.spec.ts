import { FixedWindowThrottlerStorage } from './fixed-window-throttler.storage.js';

describe('FixedWindowThrottlerStorage', () => {
  it('counts hits per key within the window and blocks past the limit with a Retry-After', async () => {
    const storage = new FixedWindowThrottlerStorage();
    const hit = (key: string) => storage.increment(key, 60_000, 2, 60_000, 'default');
    expect(await hit('a')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await hit('a')).toMatchObject({ totalHits: 2, isBlocked: false });
    const blocked = await hit('a');
    expect(blocked.isBlocked).toBe(true);
    expect(blocked.timeToBlockExpire).toBeGreaterThan(0);
    expect(blocked.timeToBlockExpire).toBeLessThanOrEqual(60);
    expect(await hit('b')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps separate counters per throttler and limit', async () => {
    const storage = new FixedWindowThrottlerStorage();
    await storage.increment('a', 60_000, 1, 60_000, 'short');
    expect((await storage.increment('a', 60_000, 1, 60_000, 'short')).isBlocked).toBe(true);
    expect((await storage.increment('a', 60_000, 1, 60_000, 'long')).isBlocked).toBe(false);
  });

  it('starts a new window after the ttl', async () => {
    const storage = new FixedWindowThrottlerStorage();
    await storage.increment('a', 1_000, 1, 1_000, 'default');
    expect((await storage.increment('a', 1_000, 1, 1_000, 'default')).isBlocked).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await storage.increment('a', 1_000, 1, 1_000, 'default')).isBlocked).toBe(false);
  });
});
