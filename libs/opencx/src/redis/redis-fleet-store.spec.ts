import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { OpenCxSlotRequest } from '../store/opencx-fleet-store.interface.js';
import { BREAKER_COOLDOWN_MS } from './circuit-breaker.js';
import { logged } from '../../test/logged.js';
import { RedisFleetStore } from './redis-fleet-store.js';
import { CLAIM, EVICT, LEAVE, LOOKUP, PAUSE, PAUSED_FOR, RELEASE, RESERVE, STORE, UNLOCK } from './redis.scripts.js';

// What the store asks of Redis and what it does with the answers, on a scripted client. The
// scripts themselves run against a real redis-server in test/redis (the fleet-store contract).

const SCRIPT_NAMES = new Map<string, string>([
  [LOOKUP, 'LOOKUP'],
  [STORE, 'STORE'],
  [UNLOCK, 'UNLOCK'],
  [EVICT, 'EVICT'],
  [RESERVE, 'RESERVE'],
  [CLAIM, 'CLAIM'],
  [RELEASE, 'RELEASE'],
  [LEAVE, 'LEAVE'],
  [PAUSE, 'PAUSE'],
  [PAUSED_FOR, 'PAUSED_FOR'],
]);

interface Call {
  script: string;
  keys: string[];
  args: string[];
}

/** A node-redis-shaped client: records every script it is sent, and answers as told (or fails). */
class ScriptedRedis {
  readonly calls: Call[] = [];
  down = false;
  /** The fleet's size each limiter script reports. */
  fleet = 1;
  /** Whether the limiter scripts say Redis lost the key's state. */
  lost = false;
  answers: Partial<Record<string, unknown>> = {};

  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    const name = SCRIPT_NAMES.get(script) ?? 'unknown';
    this.calls.push({ script: name, keys: options.keys, args: options.arguments });
    if (this.down) return Promise.reject(new Error('connection refused'));
    const lost = this.lost ? 1 : 0;
    const standard: Record<string, unknown> = {
      LOOKUP: [0, '', 1, 1_000],
      STORE: 1,
      RESERVE: [1, 0, lost, this.fleet],
      CLAIM: [0, lost, this.fleet],
      RELEASE: [0, lost, this.fleet],
      PAUSED_FOR: 0,
    };
    return Promise.resolve(name in this.answers ? this.answers[name] : (standard[name] ?? 1));
  }

  sendCommand(): Promise<unknown> {
    return Promise.resolve(undefined);
  }

  named(script: string): Call[] {
    return this.calls.filter((call) => call.script === script);
  }

  last(script: string): Call {
    const calls = this.named(script);
    const call = calls[calls.length - 1];
    if (!call) throw new Error(`${script} was not sent`);
    return call;
  }
}

const REQUEST: OpenCxSlotRequest = {
  limit: 30,
  localLimit: 30,
  window: 60_000,
  maxWait: 5_000,
  maxTransit: 10_000,
  maxPause: 45_000,
};
const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);

/** The (member, ms ago, kind) triples a limiter script carries after its eleven fixed arguments. */
const carried = (call: Call): string[][] => {
  const rest = call.args.slice(11);
  return Array.from({ length: rest.length / 3 }, (_, i) => rest.slice(3 * i, 3 * i + 3));
};

describe('RedisFleetStore', () => {
  let redis: ScriptedRedis;
  let store: RedisFleetStore;

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    jest.advanceTimersByTime(1_000);
    // The breaker's "Redis unavailable" warning is expected here.
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    redis = new ScriptedRedis();
    store = new RedisFleetStore(redis);
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
  /** Lets the breaker's cool-down pass with Redis answering, and one operation close it. */
  const recover = async (): Promise<void> => {
    redis.down = false;
    await jest.advanceTimersByTimeAsync(BREAKER_COOLDOWN_MS);
    await store.pausedFor('probe');
  };

  it("keeps a contact's keys, and a limiter key's, in one hash slot under the names every instance of a fleet uses", async () => {
    // A rolling deploy runs two versions side by side: the key names are a format they share.
    await store.lookup('c1', 'p', 500);
    await store.save('c1', 'p', 'v', 1_000, 5);
    await store.unlock('c1');
    await store.evict('c1');
    await store.reserve('k', 'id1', REQUEST);
    await store.claim('k', 'id2', REQUEST);
    await store.pause('k', 2_000);
    await store.pausedFor('k');
    await store.close();

    const instance = redis.last('LOOKUP').args[1];
    expect(instance).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const contact = ['opencx:{c1}:token', 'opencx:{c1}:lock', 'opencx:{c1}:evicted'];
    const limiter = ['opencx:{k}:log', 'opencx:{k}:sent', 'opencx:{k}:pause', 'opencx:{k}:fleet'];
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
      ['LEAVE', [limiter[3]]],
    ]);
    expect(redis.last('LOOKUP').args).toEqual(['p', instance, '500']);
    expect(redis.last('STORE').args).toEqual(['p.v', '1000', instance, '5']);
    expect(redis.last('UNLOCK').args).toEqual([instance]);
    // An eviction marker outlives any call that started before it.
    expect(redis.last('EVICT').args).toEqual(['3600000']);
    expect(redis.last('PAUSE').args).toEqual(['2000']);
    expect(redis.last('PAUSED_FOR').args).toEqual(['45000']);
    expect(redis.last('LEAVE').args).toEqual([instance]);
  });

  it("reads a pause as at most the limiter's maxPause, or 60 s for a key no limiter request told it of", async () => {
    redis.answers.PAUSED_FOR = 7;
    await expect(store.pausedFor('unknown')).resolves.toBe(7);
    expect(redis.last('PAUSED_FOR').args).toEqual(['60000']);
  });

  it('sends whole ms to Lua, and the largest safe integers for infinite times', async () => {
    await store.save('c', 'p', 'v', 1_000.4, 2.5);
    expect(redis.last('STORE').args.slice(1)).toEqual(['1000', expect.any(String), '3']);
    await store.save('c', 'p', 'v', Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
    expect(redis.last('STORE').args.slice(1)).toEqual([MAX_SAFE, expect.any(String), `-${MAX_SAFE}`]);
  });

  it("answers a hit without the payload it was stored under, Redis's lock and Redis's clock", async () => {
    redis.answers.LOOKUP = [1, 'payload.sealed.entry', 0, 42];
    await expect(store.lookup('c', 'payload', 500)).resolves.toEqual({
      value: 'sealed.entry',
      locked: false,
      stamp: 42,
    });
    redis.answers.LOOKUP = [0, '', 1, 43];
    await expect(store.lookup('c', 'payload', 500)).resolves.toEqual({ locked: true, stamp: 43 });
    redis.answers.LOOKUP = [0, '', 0, 44];
    await expect(store.lookup('c', 'payload', 500)).resolves.toEqual({ locked: false, stamp: 44 });
  });

  it('logs under the OpenCx:redis context', async () => {
    jest.restoreAllMocks();
    const lines = await logged(failOver);
    expect(lines).toEqual([['warn', expect.stringMatching(/^Redis unavailable/), 'OpenCx:redis']]);
  });

  it('while Redis is down, answers from memory with stamps of its own clock, and keeps only what it can date', async () => {
    await failOver();
    expect(store.degraded).toBe(true);
    const miss = await store.lookup('c', 'p', 500);
    expect(miss).toEqual({ value: undefined, locked: true, stamp: -1_000 });
    // A look-up stamped by Redis cannot be compared with an eviction in memory: nothing is kept.
    await store.save('c', 'p', 'from-redis-stamp', 1_000, 900);
    await expect(store.lookup('c', 'p', 500)).resolves.toMatchObject({ value: undefined });
    await store.save('c', 'p', 'v', 1_000, miss.stamp);
    await expect(store.lookup('c', 'p', 500)).resolves.toMatchObject({ value: 'v' });
    // An eviction that cannot reach the fleet says so, and still clears this process's copy.
    await expect(store.evict('c')).rejects.toThrow('Redis is unavailable');
    await expect(store.lookup('c', 'p', 500)).resolves.toMatchObject({ value: undefined });
    // Only a look-up made after the eviction may save again.
    await store.save('c', 'p', 'stale', 1_000, miss.stamp);
    await expect(store.lookup('c', 'p', 500)).resolves.toMatchObject({ value: undefined });
    jest.advanceTimersByTime(1);
    const fresh = await store.lookup('c', 'p', 500);
    await store.save('c', 'p', 'fresh', 1_000, fresh.stamp);
    await expect(store.lookup('c', 'p', 500)).resolves.toMatchObject({ value: 'fresh' });
  });

  it('keeps a copy of what Redis stored, and serves it only while Redis is unreachable', async () => {
    await store.save('kept', 'p', 'v1', 60_000, 1);
    redis.answers.STORE = 0;
    await store.save('refused', 'p', 'v2', 60_000, 1);
    redis.answers.LOOKUP = [0, '', 1, 2];
    await expect(store.lookup('kept', 'p', 500)).resolves.toEqual({ locked: true, stamp: 2 });
    await failOver();
    await expect(store.lookup('kept', 'p', 500)).resolves.toMatchObject({ value: 'v1' });
    await expect(store.lookup('refused', 'p', 500)).resolves.toMatchObject({ value: undefined });
  });

  it("sends the limiter's request, the fleet it last heard of and how long since Redis answered, in the order the script reads them", async () => {
    redis.fleet = 3;
    await store.reserve('k', 'id1', REQUEST);
    const instance = redis.last('RESERVE').args[5];
    expect(redis.last('RESERVE').args).toEqual([
      '30',
      '60000',
      '5000',
      'id1',
      '10000',
      instance,
      // Half a window without news of an instance, and five windows to forget it.
      '30000',
      '300000',
      '45000',
      '0',
      MAX_SAFE,
    ]);
    jest.advanceTimersByTime(700);
    await store.claim('k', 'id2', { ...REQUEST, limit: 20 });
    expect(redis.last('CLAIM').args).toEqual([
      '20',
      '60000',
      '5000',
      'id2',
      '10000',
      instance,
      '30000',
      '300000',
      '45000',
      '3',
      '700',
    ]);
  });

  it('answers a reservation and a claim as Redis decided', async () => {
    redis.answers.RESERVE = [0, 12_000, 0, 1];
    await expect(store.reserve('k', 'id1', REQUEST)).resolves.toEqual({ granted: false, waitMs: 12_000 });
    redis.answers.RESERVE = [1, 800, 0, 1];
    await expect(store.reserve('k', 'id2', REQUEST)).resolves.toEqual({ granted: true, waitMs: 800 });
    redis.answers.CLAIM = [1_500, 0, 1];
    await expect(store.claim('k', 'id3', REQUEST)).resolves.toBe(1_500);
  });

  it('carries releases with the next operation of their key, and keeps those an operation failed to carry', async () => {
    await store.reserve('k', 'id1', REQUEST);
    await store.reserve('k', 'id2', REQUEST);
    await store.release('k', 'id1', REQUEST, 'ended');
    jest.advanceTimersByTime(300);
    await store.release('k', 'id2', REQUEST, 'abandoned');
    jest.advanceTimersByTime(200);
    redis.down = true;
    await store.reserve('k', 'id3', REQUEST);
    expect(carried(redis.last('RESERVE'))).toEqual([
      ['id1', '500', 'e'],
      ['id2', '200', 'a'],
    ]);
    await recover();
    await store.reserve('k', 'id4', REQUEST);
    const sent = carried(redis.last('RESERVE'));
    expect(sent.filter(([, , kind]) => kind !== 'i')).toEqual([
      ['id1', String(500 + BREAKER_COOLDOWN_MS), 'e'],
      ['id2', String(200 + BREAKER_COOLDOWN_MS), 'a'],
    ]);
    // Carried once: the next operation has none left.
    await store.claim('k', 'id5', REQUEST);
    expect(carried(redis.last('CLAIM')).filter(([, , kind]) => kind !== 'i')).toEqual([]);
  });

  it('does not queue a release while Redis is skipped: the send expires with its maxTransit', async () => {
    await store.reserve('k', 'id1', REQUEST);
    await failOver();
    await store.release('k', 'id1', REQUEST, 'ended');
    await recover();
    await store.claim('k', 'id2', REQUEST);
    expect(carried(redis.last('CLAIM')).filter(([, , kind]) => kind !== 'i')).toEqual([]);
  });

  it("sends each key's releases with a heartbeat every sixth of a window, and stops beating for keys Redis has not answered for five windows", async () => {
    await store.reserve('k', 'id1', REQUEST);
    await store.release('k', 'id1', REQUEST, 'ended');
    await jest.advanceTimersByTimeAsync(9_999);
    expect(redis.named('RELEASE')).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(redis.named('RELEASE')).toHaveLength(1);
    expect(redis.last('RELEASE').args[3]).toBe('');
    expect(carried(redis.last('RELEASE'))).toEqual([['id1', '10000', 'e']]);
    // Redis silent from here: each beat tries it, until five windows have passed since its last
    // answer (this beat); the key is then dropped, and with it the heartbeat.
    redis.down = true;
    await jest.advanceTimersByTimeAsync(290_000);
    const sent = redis.calls.length;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(redis.calls.length).toBe(sent + 1);
    await jest.advanceTimersByTimeAsync(10_000);
    redis.down = false;
    const afterDrop = redis.calls.length;
    await jest.advanceTimersByTimeAsync(120_000);
    expect(redis.calls.length).toBe(afterDrop);
  });

  it('starts beating for a release after an outage, so the release does not wait for the next call', async () => {
    await failOver();
    await store.reserve('k', 'id1', REQUEST);
    await recover();
    await store.release('k', 'id1', REQUEST, 'ended');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(redis.named('RELEASE')).toHaveLength(1);
    expect(carried(redis.last('RELEASE'))).toContainEqual(['id1', '10000', 'e']);
  });

  it('beats at least every 50 ms for short windows', async () => {
    const short = { ...REQUEST, window: 60, maxWait: 60 };
    await store.reserve('k', 'id1', short);
    await jest.advanceTimersByTimeAsync(49);
    expect(redis.named('RELEASE')).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(redis.named('RELEASE')).toHaveLength(1);
  });

  it('on its own, sends nothing for a window and a half when it was not alone, then at most its share of the limit', async () => {
    redis.fleet = 3;
    await store.reserve('k', 'id0', REQUEST);
    await failOver();
    // The others count on its share until they have not heard of it for half a window.
    await expect(store.reserve('k', 'id1', REQUEST)).resolves.toEqual({ granted: false, waitMs: 90_000 });
    jest.advanceTimersByTime(90_000);
    redis.down = true;
    const granted = [];
    for (let i = 0; i < 12; i++) granted.push((await store.reserve('k', `late${i}`, REQUEST)).granted);
    // A third of 30.
    expect(granted.filter(Boolean)).toHaveLength(10);
  });

  it('on its own after being alone, keeps the whole limit, within its own localLimit', async () => {
    await store.reserve('k', 'id0', { ...REQUEST, localLimit: 4 });
    await failOver();
    const granted = [];
    for (let i = 0; i < 6; i++)
      granted.push((await store.reserve('k', `id${i + 1}`, { ...REQUEST, localLimit: 4 })).granted);
    // id0 went through Redis and is counted here too: three more.
    expect(granted.filter(Boolean)).toHaveLength(3);
    expect(await store.claim('k', 'c1', { ...REQUEST, localLimit: 4 })).toBeGreaterThan(0);
  });

  it('counts sends Redis granted at once in memory too, not those it booked for later', async () => {
    redis.answers.RESERVE = [1, 2_000, 0, 1];
    await store.reserve('k', 'later', REQUEST);
    redis.answers.CLAIM = [3_000, 0, 1];
    await store.claim('k', 'later-claim', REQUEST);
    delete redis.answers.RESERVE;
    delete redis.answers.CLAIM;
    await store.reserve('k', 'now', REQUEST);
    await store.claim('k', 'now-claim', REQUEST);
    await failOver();
    await recover();
    await store.reserve('k', 'next', REQUEST);
    expect(
      carried(redis.last('RESERVE'))
        .filter(([, , kind]) => kind === 'i')
        .map(([member]) => member),
    ).toEqual(['now', 'now-claim']);
  });

  it('hands the sends made without Redis back to it once, under their own ids, when Redis answers again', async () => {
    await store.reserve('k', 'id0', REQUEST);
    await failOver();
    await store.reserve('k', 'alone', REQUEST);
    // Past their maxTransit: each counts from the latest it could have arrived.
    await jest.advanceTimersByTimeAsync(12_000);
    await recover();
    await store.reserve('k', 'id2', REQUEST);
    const ago = String(12_000 + BREAKER_COOLDOWN_MS - REQUEST.maxTransit);
    expect(carried(redis.last('RESERVE'))).toEqual([
      ['id0', ago, 'i'],
      ['alone', ago, 'i'],
    ]);
    await store.reserve('k', 'id3', REQUEST);
    expect(carried(redis.last('RESERVE'))).toEqual([]);
  });

  it("gives this instance's sends back to a Redis that lost the key's state, before anything is granted", async () => {
    await store.reserve('k', 'id0', REQUEST);
    redis.lost = true;
    redis.answers.RESERVE = [1, 0, 1, 1];
    const before = redis.named('RESERVE').length;
    await store.reserve('k', 'id1', REQUEST);
    const sent = redis.named('RESERVE').slice(before);
    expect(sent).toHaveLength(2);
    expect(carried(sent[0]!)).toEqual([]);
    expect(carried(sent[1]!)).toEqual([['id0', '0', 'i']]);
  });

  it('does not ask again when Redis lost the state but this instance sent nothing', async () => {
    redis.answers.RESERVE = [1, 0, 1, 1];
    await store.reserve('k', 'id0', REQUEST);
    expect(redis.named('RESERVE')).toHaveLength(1);
  });

  it('releases the locks it holds when Redis is judged down, once', async () => {
    redis.answers.LOOKUP = [0, '', 1, 1];
    await store.lookup('held', 'p', 500);
    await store.lookup('saved', 'p', 500);
    await store.lookup('unlocked', 'p', 500);
    redis.answers.LOOKUP = [0, '', 0, 1];
    await store.lookup('not-granted', 'p', 500);
    await store.save('saved', 'p', 'v', 1_000, 1);
    await store.unlock('unlocked');
    const before = redis.named('UNLOCK').length;
    await failOver();
    expect(redis.named('UNLOCK').slice(before)).toEqual([
      { script: 'UNLOCK', keys: ['opencx:{held}:lock'], args: [expect.any(String)] },
    ]);
    await recover();
    redis.down = true;
    jest.advanceTimersByTime(BREAKER_COOLDOWN_MS);
    await store.pausedFor('probe');
    expect(redis.named('UNLOCK').slice(before)).toHaveLength(1);
  });

  it('closes once: the releases due and a goodbye for each key, and no heartbeat after', async () => {
    await store.reserve('a', 'id1', REQUEST);
    await store.reserve('b', 'id2', REQUEST);
    await store.release('a', 'id1', REQUEST, 'ended');
    await store.close();
    expect(carried(redis.last('RELEASE'))).toEqual([]);
    expect(redis.named('RELEASE').flatMap(carried)).toEqual([['id1', '0', 'e']]);
    expect(redis.named('LEAVE').map((call) => call.keys)).toEqual([['opencx:{a}:fleet'], ['opencx:{b}:fleet']]);
    const sent = redis.calls.length;
    await store.close();
    await store.release('a', 'id3', REQUEST, 'ended');
    await jest.advanceTimersByTimeAsync(60_000);
    expect(redis.calls.length).toBe(sent);
  });
});
