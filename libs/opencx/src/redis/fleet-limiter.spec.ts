import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { carried, FLEET, REQUEST, ScriptedRedis, unowned } from '../../test/scripted-redis.js';
import { RedisFleetStore } from './redis-fleet-store.js';

// The limiter's side of the Redis store (FleetLimiter, through the store), on a scripted client:
// the shared log while Redis answers, this instance's share while it does not, and the hand-over.

describe('RedisFleetStore: the limiter', () => {
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
  /** A send granted through Redis and ended now. */
  const sendNow = async (key: string, id: string, request = REQUEST): Promise<void> => {
    expect(await store.reserve(key, id, request)).toEqual({ granted: true, waitMs: 0 });
    await store.release(key, id, request, 'ended');
  };

  it("sends the limiter's request in the order the script reads it, with this instance's fleet time", async () => {
    jest.advanceTimersByTime(700);
    await store.reserve('k', 'id1', REQUEST);
    const instance = redis.last('BEAT').args[0];
    // estimate, limit, window, maxWait, id (as this instance's), maxTransit, maxPause, grace, hold
    // (s), notBefore, probe, horizon, the server clock's offset, how far it may stray below and above
    // the estimate, and the departed instances.
    expect(redis.last('RESERVE').args).toEqual([
      String(FLEET + 700),
      '30',
      '60000',
      '5000',
      `${instance}/id1`,
      '10000',
      '45000',
      '2000',
      '4',
      '0',
      '',
      '3660000',
      '42000',
      '250',
      '1250',
      '',
    ]);
    await store.claim('k', 'id1', { ...REQUEST, window: 3_000 });
    // A grace of at least 200 ms; the probe names the send just granted.
    expect(redis.last('CLAIM').args.slice(6, 12)).toEqual(['45000', '200', '4', '0', `${instance}/id1`, '3603000']);
  });

  it('names the instances the last heartbeat said departed, and no more once a heartbeat says none', async () => {
    const gone = ['0f0e0d0c-0b0a-4908-8706-050403020100', '1f0e0d0c-0b0a-4908-8706-050403020100'];
    redis.departed = gone;
    await jest.advanceTimersByTimeAsync(1_000);
    await store.reserve('k', 'id1', REQUEST);
    expect(redis.last('RESERVE').args[15]).toBe(gone.join(','));
    redis.departed = [];
    await jest.advanceTimersByTimeAsync(1_000);
    await store.reserve('k', 'id2', REQUEST);
    expect(redis.last('RESERVE').args[15]).toBe('');
  });

  it('answers a reservation and a claim as Redis decided', async () => {
    redis.answers.RESERVE = [0, 12_000, 0];
    await expect(store.reserve('k', 'id1', REQUEST)).resolves.toEqual({ granted: false, waitMs: 12_000 });
    redis.answers.RESERVE = [1, 800, 2];
    await expect(store.reserve('k', 'id2', REQUEST)).resolves.toEqual({ granted: true, waitMs: 800 });
    redis.answers.CLAIM = [1_500, 0];
    await expect(store.claim('k', 'id3', REQUEST)).resolves.toBe(1_500);
  });

  it('sends releases within 20 ms, those close together together, unless an operation of the key carries them first', async () => {
    await store.reserve('k', 'a', REQUEST);
    await store.reserve('k', 'b', REQUEST);
    await store.release('k', 'a', REQUEST, 'ended');
    await jest.advanceTimersByTimeAsync(5);
    await store.release('k', 'b', REQUEST, 'abandoned');
    await jest.advanceTimersByTimeAsync(14);
    expect(redis.named('RELEASE')).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    // Each timed by its end; an abandoned request may still arrive: in transit for maxTransit more.
    expect(redis.named('RELEASE').map(carried)).toEqual([
      [
        ['a', '-20', 'r'],
        ['b', '9985', 'r'],
      ],
    ]);
    await store.reserve('k', 'c', REQUEST);
    await store.release('k', 'c', REQUEST, 'ended');
    await store.claim('k', 'd', REQUEST);
    expect(carried(redis.last('CLAIM'))).toEqual([['c', '0', 'r']]);
    await jest.advanceTimersByTimeAsync(20);
    expect(redis.named('RELEASE')).toHaveLength(1);
  });

  it('keeps the releases an operation failed to carry for the next one', async () => {
    await store.reserve('k', 'a', REQUEST);
    redis.answers.RELEASE = new Error('ERR something about the script');
    await store.release('k', 'a', REQUEST, 'ended');
    await jest.advanceTimersByTimeAsync(20);
    expect(carried(redis.last('RELEASE'))).toEqual([['a', '-20', 'r']]);
    jest.advanceTimersByTime(100);
    await store.claim('k', 'b', REQUEST);
    expect(carried(redis.last('CLAIM'))).toEqual([['a', '-120', 'r']]);
    expect(store.degraded).toBe(false);
  });

  it("hands its sends back and asks again when Redis lost the key's state, before anything is granted", async () => {
    await sendNow('k', 'sent-1');
    await jest.advanceTimersByTimeAsync(0);
    jest.advanceTimersByTime(500);
    redis.answers.RESERVE = [0, 0, 1];
    const asking = store.reserve('k', 'next', REQUEST);
    await Promise.resolve();
    redis.answers.RESERVE = [1, 0, 0];
    await expect(asking).resolves.toEqual({ granted: true, waitMs: 0 });
    const [first, second] = redis.named('RESERVE').slice(-2);
    expect(unowned(first!.args[10])).toBe('sent-1');
    expect(carried(first!)).toEqual([]);
    // The second run carries the sends (with when each ended) and no probe.
    expect(second!.args[10]).toBe('');
    expect(carried(second!)).toEqual([['sent-1', '-500', 'i']]);
  });

  it('on its own, sends nothing for a window after the failing operation was sent, then at most its share', async () => {
    redis.fleet = 3;
    await jest.advanceTimersByTimeAsync(1_000);
    jest.advanceTimersByTime(2_000);
    await failOver();
    const wait = await store.reserve('k', 'id1', REQUEST);
    expect(wait).toEqual({ granted: false, waitMs: 60_000 });
    jest.advanceTimersByTime(60_000);
    const granted: boolean[] = [];
    for (let i = 0; i < 12; i++) granted.push((await store.reserve('k', `late${i}`, REQUEST)).granted);
    // A third of 30.
    expect(granted.filter(Boolean)).toHaveLength(10);
  });

  it('on its own after the heartbeat found it alone, goes on at once within the limit and its localLimit', async () => {
    await sendNow('k', 'id0', { ...REQUEST, localLimit: 4 });
    await failOver();
    const granted: boolean[] = [];
    for (let i = 0; i < 6; i++)
      granted.push((await store.reserve('k', `id${i + 1}`, { ...REQUEST, localLimit: 4 })).granted);
    // id0 went through Redis and is counted here too: three more.
    expect(granted.filter(Boolean)).toHaveLength(3);
  });

  it('before Redis ever answered, waits a window from the first failure too (it cannot know the fleet)', async () => {
    await store.close();
    redis = new ScriptedRedis();
    redis.down = true;
    store = new RedisFleetStore(redis);
    await jest.advanceTimersByTimeAsync(0);
    expect((await store.reserve('k', 'a', { ...REQUEST, maxWait: 60_000 })).waitMs).toBe(60_000);
  });

  /** Reservations granted on its own, a window after Redis was lost, for `request`. */
  const ownGrants = async (request = REQUEST): Promise<number> => {
    let granted = 0;
    for (let i = 0; i < 12; i++) if ((await store.reserve('k', `own${i}`, request)).granted) granted++;
    return granted;
  };

  it('on its own, has no share of its own if a member had not heard of it when Redis was lost: only what rateLimit.instances gives', async () => {
    redis.fleet = 3;
    // It joined since the last beat of one of the others, which counts the fleet without it.
    redis.unaware = 1;
    await jest.advanceTimersByTimeAsync(1_000);
    await failOver();
    jest.advanceTimersByTime(60_000);
    expect(await ownGrants()).toBe(0);
    expect(await ownGrants({ ...REQUEST, localLimit: 7 })).toBe(7);
  });

  it('has its share again once every member has beaten since it joined', async () => {
    redis.fleet = 3;
    redis.unaware = 1;
    await jest.advanceTimersByTimeAsync(1_000);
    redis.unaware = 0;
    await jest.advanceTimersByTimeAsync(1_000);
    await failOver();
    jest.advanceTimersByTime(60_000);
    expect(await ownGrants()).toBe(10);
  });

  it('before Redis ever answered, sends nothing of its own unless rateLimit.instances says how many share the key', async () => {
    await store.close();
    redis = new ScriptedRedis();
    redis.down = true;
    store = new RedisFleetStore(redis);
    await jest.advanceTimersByTimeAsync(0);
    jest.advanceTimersByTime(60_000);
    expect(await ownGrants()).toBe(0);
    expect(await ownGrants({ ...REQUEST, localLimit: 10 })).toBe(10);
  });

  it('does not queue a release while Redis is skipped: its end goes back with the hand-back', async () => {
    await store.reserve('k', 'id1', REQUEST);
    await failOver();
    jest.advanceTimersByTime(300);
    await store.release('k', 'id1', REQUEST, 'ended');
    jest.advanceTimersByTime(400);
    expect(redis.named('RELEASE')).toHaveLength(0);
    await recover();
    // Handed back when the heartbeat after the cool-down finds Redis again, at 1 s: it ended 700 ms before.
    expect(redis.named('RELEASE').map(carried)).toEqual([[['id1', '-700', 'i']]]);
  });

  it('settles after an outage: for a while a grant needs both Redis and its share', async () => {
    redis.fleet = 3;
    await jest.advanceTimersByTimeAsync(1_000);
    const small = { ...REQUEST, window: 3_000, limit: 6, localLimit: 6 };
    await sendNow('k', 'before', small);
    await failOver();
    await recover();
    // Its share (two of six): one more now, then Redis is asked for nothing sooner than the share allows.
    await store.reserve('k', 'settling-1', small);
    expect(redis.last('RESERVE').args[9]).toBe(redis.last('RESERVE').args[0]);
    await store.reserve('k', 'settling-2', small);
    const now = Number(redis.last('RESERVE').args[0]);
    // A window after the first of its two sends, before the settling ends.
    expect(Number(redis.last('RESERVE').args[9])).toBeGreaterThan(now);
    expect(Number(redis.last('RESERVE').args[9])).toBeLessThan(now + 4_500);
    // Settled (a reconnection, two heartbeats, a timeout and a margin later): Redis alone decides.
    await jest.advanceTimersByTimeAsync(4_500);
    await store.reserve('k', 'settled', small);
    expect(redis.last('RESERVE').args[9]).toBe('0');
  });

  it('while settling, asks Redis for nothing later than the settling ends: the share stops holding then', async () => {
    redis.fleet = 3;
    await jest.advanceTimersByTimeAsync(1_000);
    const small = { ...REQUEST, limit: 3, localLimit: 3 };
    await sendNow('k', 'before', small);
    await failOver();
    await recover();
    // The share (one of three) is used for a minute; the settling ends in 4.5 s.
    await store.reserve('k', 'settling', small);
    const now = Number(redis.last('RESERVE').args[0]);
    expect(Number(redis.last('RESERVE').args[9])).toBe(now + 4_500);
    await store.claim('k', 'settling', small);
    expect(Number(redis.last('CLAIM').args[9])).toBe(now + 4_500);
  });

  it("hands its sends back when the heartbeat says the fleet's state was lost", async () => {
    await sendNow('k', 'sent-1');
    await sendNow('other', 'sent-2');
    await jest.advanceTimersByTimeAsync(0);
    redis.lost = true;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(redis.named('RELEASE').slice(-2).map(carried)).toEqual([
      [['sent-1', '-1000', 'i']],
      [['sent-2', '-1000', 'i']],
    ]);
  });

  it('forgets a key a window after its last use, with nothing left to send', async () => {
    await sendNow('k', 'a', { ...REQUEST, window: 2_000 });
    await jest.advanceTimersByTimeAsync(0);
    expect(store.limiterKeysKept).toBe(1);
    await jest.advanceTimersByTimeAsync(3_000);
    expect(store.limiterKeysKept).toBe(0);
    const sent = redis.calls.length;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(redis.calls.slice(sent).map(({ script }) => script)).toEqual(Array(5).fill('BEAT'));
  });
});
