import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import { logged } from '../../test/logged.js';
import { carried, FLEET, REQUEST, ScriptedRedis } from '../../test/scripted-redis.js';
import { RedisFleetStore } from './redis-fleet-store.js';
import type { RedisFleetStoreOptions } from './redis-store-options.js';

// What the store asks of Redis for a contact, its heartbeat and its life, on a scripted client (the
// limiter's side: fleet-limiter.spec.ts). The scripts run against a real redis-server in test/redis.

describe('RedisFleetStore', () => {
  let redis: ScriptedRedis;
  let store: RedisFleetStore;

  beforeEach(async () => {
    jest.useFakeTimers({ now: 0 });
    // The breaker's "Redis unavailable" warning is expected here.
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    redis = new ScriptedRedis();
    store = new RedisFleetStore(redis);
    // The first heartbeat, sent when the store is made.
    await jest.advanceTimersByTimeAsync(0);
  });
  afterEach(async () => {
    await store.close();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** Fails one operation through Redis, which opens the breaker. */
  const failOver = async (): Promise<void> => {
    redis.down = true;
    await store.pausedFor('probe');
  };
  /** Lets the breaker's cool-down pass with Redis answering: the next heartbeat closes it. */
  const recover = async (): Promise<void> => {
    redis.down = false;
    await jest.advanceTimersByTimeAsync(1_000);
  };
  it('joins the fleet when made, and beats once a heartbeat: nothing else while idle', async () => {
    const instance = redis.last('BEAT').args[0];
    expect(instance).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // No estimate yet; forget 3 beats, tolerance, a newcomer's cap, the keys' ttl, not leaving, not known.
    expect(redis.last('BEAT')).toEqual({
      script: 'BEAT',
      keys: ['opencx:{fleet}:clock', 'opencx:{fleet}:members', 'opencx:{fleet}:departed'],
      args: [instance, '', '3000', '250', '1250', '2250', '60000', '0', '0', ''],
    });
    await jest.advanceTimersByTimeAsync(3_000);
    expect(redis.calls.map(({ script }) => script)).toEqual(['BEAT', 'BEAT', 'BEAT', 'BEAT']);
    expect(redis.last('BEAT').args.slice(1, 2)).toEqual([String(FLEET + 3_000)]);
    expect(redis.last('BEAT').args[8]).toBe('1');
  });

  it('is degraded from start-up until Redis first answers, and says at once when it does not', async () => {
    await store.close();
    redis = new ScriptedRedis();
    redis.down = true;
    jest.restoreAllMocks();
    const lines = await logged(async () => {
      store = new RedisFleetStore(redis);
      expect(store.degraded).toBe(true);
      await jest.advanceTimersByTimeAsync(0);
    });
    expect(lines).toEqual([['warn', expect.stringMatching(/^Redis unavailable \(Error\)/), 'OpenCx:redis']]);
    expect(store.degraded).toBe(true);
    redis.down = false;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(store.degraded).toBe(false);
  });

  it("names every key under its prefix, a contact's and a limiter key's keys in one hash slot", async () => {
    await store.close();
    store = new RedisFleetStore(redis, { prefix: 'shop' });
    await jest.advanceTimersByTimeAsync(0);
    redis.calls.length = 0;
    await store.lookup('c1', 'p', 500);
    await store.save('c1', 'p', 'v', 1_000, 5);
    await store.unlock('c1');
    await store.evict('c1');
    await store.reserve('k', 'id1', REQUEST);
    await store.claim('k', 'id2', REQUEST);
    await store.pause('k', 2_000);
    await store.pausedFor('k');
    await store.release('k', 'id1', REQUEST, 'ended');
    await jest.advanceTimersByTimeAsync(20);
    const contact = ['shop:{c1}:token', 'shop:{c1}:lock', 'shop:{c1}:evicted'];
    const limiter = ['shop:{k}:log', 'shop:{k}:sent', 'shop:{k}:pause'];
    expect(redis.calls.map(({ script, keys }) => [script, keys])).toEqual([
      ['LOOKUP', contact.slice(0, 2)],
      ['STORE', contact],
      ['UNLOCK', [contact[1]]],
      ['EVICT', [contact[0], contact[2]]],
      ['RESERVE', limiter],
      ['CLAIM', limiter],
      ['PAUSE', [limiter[2]]],
      ['PAUSED_FOR', [limiter[2]]],
      ['RELEASE', limiter],
    ]);
  });

  it('refuses options it cannot use, naming each', () => {
    expect(() => new RedisFleetStore(redis, { prefix: 'a{b}' })).toThrow(OpenCxConfigurationError);
    expect(() => new RedisFleetStore(redis, { prefix: '' })).toThrow(
      'redis prefix must be 1 to 64 letters, digits or . _ : -',
    );
    expect(() => new RedisFleetStore(redis, { heartbeat: 5 })).toThrow(
      'redis heartbeat must be an integer from 10 to 60000',
    );
    expect(() => new RedisFleetStore(redis, { timeout: 1.5, maxEntries: 0 })).toThrow(
      'Invalid OpenCxModule options: redis timeout must be an integer from 1 to 60000; redis maxEntries must be an integer from 1 to 9007199254740991',
    );
  });

  it.each([[{ timeout: '500' }], [{ heartbeat: '1000' }], [{ maxEntries: '10' }], [{ timeout: ' 250 ' }]])(
    'takes a numeric option as the environment gives it, in a string: %j',
    async (options) => {
      let fromEnv: RedisFleetStore | undefined;
      try {
        expect(
          () => (fromEnv = new RedisFleetStore(redis, options as unknown as RedisFleetStoreOptions)),
        ).not.toThrow();
      } finally {
        await fromEnv?.close();
      }
    },
  );

  it('uses a numeric string as its number, never as text', async () => {
    await store.close();
    redis = new ScriptedRedis();
    const fromEnv = { heartbeat: '2000', timeout: '500' } as unknown as RedisFleetStoreOptions;
    store = new RedisFleetStore(redis, fromEnv);
    await jest.advanceTimersByTimeAsync(0);
    // Forget 3 beats of 2000 ms; the clock's tolerance above is the timeout plus 250 (not "500250").
    expect(redis.last('BEAT').args.slice(2, 6)).toEqual(['6000', '250', '750', '4250']);
    await jest.advanceTimersByTimeAsync(1_999);
    expect(redis.calls.filter(({ script }) => script === 'BEAT')).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(redis.calls.filter(({ script }) => script === 'BEAT')).toHaveLength(2);
  });

  it.each([
    [{ timeout: '500ms' }, 'redis timeout must be a number'],
    [{ heartbeat: '1e3' }, 'redis heartbeat must be a number'],
    [{ maxEntries: '' }, 'redis maxEntries must be a number'],
    [{ timeout: '0x10' }, 'redis timeout must be a number'],
    [{ heartbeat: '5' }, 'redis heartbeat must be an integer from 10 to 60000'],
  ])('refuses %j, naming the option', (options, message) => {
    expect(() => new RedisFleetStore(redis, options as unknown as RedisFleetStoreOptions)).toThrow(
      `Invalid OpenCxModule options: ${message}`,
    );
  });

  it('dates a look-up and an eviction by the fleet time the script read, and tells it how', async () => {
    jest.advanceTimersByTime(250);
    const instance = redis.last('BEAT').args[0];
    // The estimate, and the server clock's offset with how far it may stray from it (see fleetNow).
    const time = [String(FLEET + 250), '42000', '250', '1250'];
    redis.answers.LOOKUP = [0, '', 1, FLEET + 260];
    expect(await store.lookup('c', 'payload', 500.4)).toEqual({ locked: true, stamp: FLEET + 260 });
    expect(redis.last('LOOKUP').args).toEqual(['payload', instance, '500', ...time]);
    await store.evict('c');
    // Half a second past when the script runs: a look-up that read fleet time before is never later.
    expect(redis.last('EVICT').args).toEqual(['500', '3600000', ...time]);
    redis.answers.LOOKUP = [1, 'payload.sealed.entry', 0, FLEET + 270];
    expect(await store.lookup('c', 'payload', 500)).toEqual({
      value: 'sealed.entry',
      locked: false,
      stamp: FLEET + 270,
    });
    redis.answers.LOOKUP = [0, '', 0, 'garbage'];
    expect(await store.lookup('c', 'payload', 500)).toEqual({ locked: false, stamp: 0 });
  });

  it('sends whole ms to Lua, and the largest safe integers for infinite times', async () => {
    const instance = redis.last('BEAT').args[0];
    await store.save('c', 'p', 'v', 1_000.4, 2.5);
    expect(redis.last('STORE').args).toEqual(['p.v', '1000', instance, '3', '3600000']);
    await store.save('c', 'p', 'v', Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    const safe = String(Number.MAX_SAFE_INTEGER);
    expect(redis.last('STORE').args.slice(1, 4)).toEqual([safe, instance, `-${safe}`]);
  });

  it('while Redis is down, answers from memory with stamps of its own clock, and keeps only what it can date', async () => {
    jest.advanceTimersByTime(1_000);
    await failOver();
    expect(store.degraded).toBe(true);
    const miss = await store.lookup('c', 'p', 500);
    expect(miss).toEqual({ value: undefined, locked: true, stamp: -1_000 });
    // A look-up stamped by the fleet cannot be compared with an eviction in memory: nothing is kept.
    await store.save('c', 'p', 'from-the-fleet', 1_000, FLEET);
    expect((await store.lookup('c', 'p', 500)).value).toBeUndefined();
    await store.save('c', 'p', 'v', 1_000, miss.stamp);
    expect((await store.lookup('c', 'p', 500)).value).toBe('v');
    // An eviction that cannot reach the fleet says so, and still clears this process's copy.
    await expect(store.evict('c')).rejects.toThrow('Redis is unavailable');
    expect((await store.lookup('c', 'p', 500)).value).toBeUndefined();
    await store.save('c', 'p', 'stale', 1_000, miss.stamp);
    expect((await store.lookup('c', 'p', 500)).value).toBeUndefined();
  });

  it('serves nothing it saved through Redis once Redis is unreachable: the fleet may have evicted it since', async () => {
    await store.save('kept', 'p', 'v1', 60_000, 1);
    await failOver();
    expect((await store.lookup('kept', 'p', 500)).value).toBeUndefined();
  });

  it('forgets what it saved on its own once Redis answers again, and keeps nothing looked up before', async () => {
    jest.advanceTimersByTime(1_000);
    await failOver();
    const before = await store.lookup('c', 'p', 500);
    await store.save('c', 'p', 'v', 60_000, before.stamp);
    expect((await store.lookup('c', 'p', 500)).value).toBe('v');
    const late = await store.lookup('late', 'p', 500);
    await recover();
    await failOver();
    // Another instance may have evicted either contact through Redis while this one used it.
    expect((await store.lookup('c', 'p', 500)).value).toBeUndefined();
    await store.save('late', 'p', 'v', 60_000, late.stamp);
    expect((await store.lookup('late', 'p', 500)).value).toBeUndefined();
  });

  it("treats a reply that blames the data as that operation's miss: Redis stays in use", async () => {
    redis.answers.LOOKUP = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(await store.lookup('c', 'p', 500)).toMatchObject({ value: undefined, locked: true });
    expect(store.degraded).toBe(false);
    await store.reserve('k', 'id', REQUEST);
    expect(redis.named('RESERVE')).toHaveLength(1);
  });

  it('releases the locks it holds when Redis is judged down, once', async () => {
    await store.lookup('held', 'p', 500);
    await store.lookup('saved', 'p', 500);
    await store.lookup('unlocked', 'p', 500);
    redis.answers.LOOKUP = [0, '', 0];
    await store.lookup('not-granted', 'p', 500);
    await store.save('saved', 'p', 'v', 1_000, 1);
    await store.unlock('unlocked');
    const before = redis.named('UNLOCK').length;
    await failOver();
    expect(redis.named('UNLOCK').slice(before)).toEqual([
      { script: 'UNLOCK', keys: ['opencx:{held}:lock'], args: [expect.any(String)] },
    ]);
    await recover();
    await failOver();
    expect(redis.named('UNLOCK').slice(before)).toHaveLength(1);
  });

  it('releases the lock a look-up that fell back may still take (a queued command runs late), at once and once Redis answers', async () => {
    // Redis does not answer this look-up in time; a client with an offline queue sends it later.
    redis.answers.LOOKUP = new Promise(() => undefined);
    const looking = store.lookup('late', 'p', 5_000);
    await Promise.resolve();
    redis.down = true;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(await looking).toMatchObject({ locked: true });
    const unlocks = () => redis.named('UNLOCK').filter((call) => call.keys[0] === 'opencx:{late}:lock');
    expect(unlocks()).toHaveLength(1);
    await recover();
    expect(unlocks()).toHaveLength(2);
    expect(unlocks()[1]!.args).toEqual([redis.last('BEAT').args[0]]);
    // Once.
    await failOver();
    await recover();
    expect(unlocks()).toHaveLength(2);
  });

  it('reads a pause in fleet time, as at most maxPause, or 60 s for a key no request told it of', async () => {
    redis.answers.PAUSED_FOR = 7;
    await expect(store.pausedFor('unknown')).resolves.toBe(7);
    const time = [String(FLEET), '42000', '250', '1250'];
    expect(redis.last('PAUSED_FOR').args).toEqual(['60000', ...time]);
    await store.pause('k', 2_000.2);
    expect(redis.last('PAUSE').args).toEqual(['2000', ...time]);
    redis.answers.PAUSED_FOR = 'garbage';
    await expect(store.pausedFor('k')).resolves.toBe(0);
  });

  it('closes once: the releases due, a goodbye beat, and nothing after', async () => {
    await store.reserve('a', 'id1', REQUEST);
    await store.release('a', 'id1', REQUEST, 'ended');
    await store.close();
    expect(redis.named('RELEASE').flatMap(carried)).toEqual([['id1', '0', 'r']]);
    expect(redis.last('BEAT').args[7]).toBe('1');
    const sent = redis.calls.length;
    await store.close();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(redis.calls.length).toBe(sent);
  });
});
