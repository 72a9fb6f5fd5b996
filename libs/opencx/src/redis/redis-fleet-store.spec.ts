import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { OpenCxConfigurationError } from '../errors/opencx.errors.js';
import type { OpenCxSlotRequest } from '../store/opencx-fleet-store.interface.js';
import { logged } from '../../test/logged.js';
import { EVICT, LOOKUP, STORE, UNLOCK } from './contact.scripts.js';
import { BEAT } from './fleet.scripts.js';
import { CLAIM, PAUSE, PAUSED_FOR, RELEASE, RESERVE } from './limiter.scripts.js';
import { RedisFleetStore } from './redis-fleet-store.js';

// What the store asks of Redis and what it does with the answers, on a scripted client. The
// scripts themselves run against a real redis-server in test/redis (the fleet-store contract, and
// a suite per fault).

const SCRIPT_NAMES = new Map<string, string>(
  Object.entries({ LOOKUP, STORE, UNLOCK, EVICT, RESERVE, CLAIM, RELEASE, PAUSE, PAUSED_FOR, BEAT }).map(
    ([name, script]) => [script.sha, name],
  ),
);

/** The fleet time the scripted heartbeat reports at monotonic 0. */
const FLEET = 1_700_000_000_000;

interface Call {
  script: string;
  keys: string[];
  args: string[];
}

/** A node-redis-shaped client: records every script it is sent, and answers as told (or fails). */
class ScriptedRedis {
  readonly calls: Call[] = [];
  down = false;
  /** The fleet's size the heartbeat reports, and whether it says the fleet's state was lost. */
  fleet = 1;
  lost = false;
  answers: Partial<Record<string, unknown>> = {};

  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> {
    const name = SCRIPT_NAMES.get(sha) ?? 'unknown';
    this.calls.push({ script: name, keys: options.keys, args: options.arguments });
    if (this.down) return Promise.reject(new Error('connection refused'));
    if (name in this.answers) {
      const answer = this.answers[name];
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    }
    const standard: Record<string, unknown> = {
      BEAT: [FLEET + Math.round(performance.now()), this.fleet, this.lost ? 1 : 0],
      LOOKUP: [0, '', 1],
      STORE: 1,
      RESERVE: [1, 0, 0],
      CLAIM: [0, 0],
      RELEASE: [0],
      PAUSED_FOR: 0,
    };
    return Promise.resolve(standard[name] ?? 1);
  }

  eval(): Promise<unknown> {
    return Promise.reject(new Error('the store runs scripts by their SHA-1'));
  }

  sendCommand(): Promise<unknown> {
    return Promise.resolve(undefined);
  }

  named(script: string): Call[] {
    return this.calls.filter((call) => call.script === script);
  }

  last(script: string): Call {
    const call = this.named(script).at(-1);
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

/** The (member, offset, kind) triples a limiter script carries after its twelve fixed arguments. */
const carried = (call: Call): string[][] => {
  const rest = call.args.slice(12);
  return Array.from({ length: rest.length / 3 }, (_, i) => rest.slice(3 * i, 3 * i + 3));
};

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
  /** A send granted through Redis and ended now. */
  const sendNow = async (key: string, id: string, request = REQUEST): Promise<void> => {
    expect(await store.reserve(key, id, request)).toEqual({ granted: true, waitMs: 0 });
    await store.release(key, id, request, 'ended');
  };

  it('joins the fleet when made, and beats once a heartbeat: nothing else while idle', async () => {
    const instance = redis.last('BEAT').args[0];
    expect(instance).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // No estimate yet; forget 3 beats, tolerance, a newcomer's cap, the keys' ttl, not leaving, not known.
    expect(redis.last('BEAT')).toEqual({
      script: 'BEAT',
      keys: ['opencx:{fleet}:clock', 'opencx:{fleet}:members'],
      args: [instance, '', '3000', '250', '2250', '60000', '0', '0'],
    });
    await jest.advanceTimersByTimeAsync(3_000);
    expect(redis.calls.map(({ script }) => script)).toEqual(['BEAT', 'BEAT', 'BEAT', 'BEAT']);
    expect(redis.last('BEAT').args.slice(1, 2)).toEqual([String(FLEET + 3_000)]);
    expect(redis.last('BEAT').args.at(-1)).toBe('1');
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
    await jest.advanceTimersByTimeAsync(0);
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

  it("stamps a look-up with the fleet's time, and marks an eviction a second past this instance's", async () => {
    jest.advanceTimersByTime(250);
    const instance = redis.last('BEAT').args[0];
    expect(await store.lookup('c', 'payload', 500.4)).toEqual({ locked: true, stamp: FLEET + 250 });
    expect(redis.last('LOOKUP').args).toEqual(['payload', instance, '500']);
    await store.evict('c');
    // Instances agree on fleet time within the tolerance and a round trip: a look-up before is never later.
    expect(redis.last('EVICT').args).toEqual([String(FLEET + 1_250), '3600000']);
    redis.answers.LOOKUP = [1, 'payload.sealed.entry', 0];
    expect(await store.lookup('c', 'payload', 500)).toEqual({
      value: 'sealed.entry',
      locked: false,
      stamp: FLEET + 250,
    });
    redis.answers.LOOKUP = [0, '', 0];
    expect(await store.lookup('c', 'payload', 500)).toEqual({ locked: false, stamp: FLEET + 250 });
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

  it('keeps a copy of what Redis stored, and serves it only while Redis is unreachable', async () => {
    await store.save('kept', 'p', 'v1', 60_000, 1);
    redis.answers.STORE = 0;
    await store.save('refused', 'p', 'v2', 60_000, 1);
    expect((await store.lookup('kept', 'p', 500)).value).toBeUndefined();
    await failOver();
    expect((await store.lookup('kept', 'p', 500)).value).toBe('v1');
    expect((await store.lookup('refused', 'p', 500)).value).toBeUndefined();
  });

  it("treats a reply that blames the data as that operation's miss: Redis stays in use", async () => {
    redis.answers.LOOKUP = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(await store.lookup('c', 'p', 500)).toMatchObject({ value: undefined, locked: true });
    expect(store.degraded).toBe(false);
    await store.reserve('k', 'id', REQUEST);
    expect(redis.named('RESERVE')).toHaveLength(1);
  });

  it("sends the limiter's request in the order the script reads it, with this instance's fleet time", async () => {
    jest.advanceTimersByTime(700);
    await store.reserve('k', 'id1', REQUEST);
    // now, limit, window, maxWait, id, maxTransit, maxPause, grace, hold (s), notBefore, probe, horizon.
    expect(redis.last('RESERVE').args).toEqual([
      String(FLEET + 700),
      '30',
      '60000',
      '5000',
      'id1',
      '10000',
      '45000',
      '2000',
      '3',
      '0',
      '',
      '3660000',
    ]);
    await store.claim('k', 'id1', { ...REQUEST, window: 3_000 });
    // A grace of at least 200 ms; the probe names the send just granted.
    expect(redis.last('CLAIM').args.slice(6, 12)).toEqual(['45000', '200', '3', '0', 'id1', '3603000']);
  });

  it('answers a reservation and a claim as Redis decided', async () => {
    redis.answers.RESERVE = [0, 12_000, 0];
    await expect(store.reserve('k', 'id1', REQUEST)).resolves.toEqual({ granted: false, waitMs: 12_000 });
    redis.answers.RESERVE = [1, 800, 2];
    await expect(store.reserve('k', 'id2', REQUEST)).resolves.toEqual({ granted: true, waitMs: 800 });
    redis.answers.CLAIM = [1_500, 0];
    await expect(store.claim('k', 'id3', REQUEST)).resolves.toBe(1_500);
  });

  it('sends releases at once, those of one turn together, unless an operation of the key carries them first', async () => {
    await store.reserve('k', 'a', REQUEST);
    await store.reserve('k', 'b', REQUEST);
    await store.release('k', 'a', REQUEST, 'ended');
    await store.release('k', 'b', REQUEST, 'abandoned');
    await jest.advanceTimersByTimeAsync(0);
    // An abandoned request may still arrive: in transit for maxTransit more.
    expect(redis.named('RELEASE').map(carried)).toEqual([
      [
        ['a', '0', 'r'],
        ['b', '10000', 'r'],
      ],
    ]);
    await store.reserve('k', 'c', REQUEST);
    await store.release('k', 'c', REQUEST, 'ended');
    await store.claim('k', 'd', REQUEST);
    expect(carried(redis.last('CLAIM'))).toEqual([['c', '0', 'r']]);
    await jest.advanceTimersByTimeAsync(0);
    expect(redis.named('RELEASE')).toHaveLength(1);
  });

  it('keeps the releases an operation failed to carry for the next one', async () => {
    await store.reserve('k', 'a', REQUEST);
    redis.answers.RELEASE = new Error('ERR something about the script');
    await store.release('k', 'a', REQUEST, 'ended');
    await jest.advanceTimersByTimeAsync(0);
    expect(carried(redis.last('RELEASE'))).toEqual([['a', '0', 'r']]);
    jest.advanceTimersByTime(100);
    await store.claim('k', 'b', REQUEST);
    expect(carried(redis.last('CLAIM'))).toEqual([['a', '-100', 'r']]);
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
    expect(first!.args[10]).toBe('sent-1');
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
    const small = { ...REQUEST, limit: 3, localLimit: 3 };
    await sendNow('k', 'before', small);
    await failOver();
    await recover();
    // Its share (one of three) is used: Redis is asked for a slot no sooner than the share allows.
    await store.reserve('k', 'settling', small);
    const notBefore = Number(redis.last('RESERVE').args[9]);
    expect(notBefore).toBeGreaterThanOrEqual(Number(redis.last('RESERVE').args[0]) + 59_000);
    // Settled: Redis alone decides.
    await jest.advanceTimersByTimeAsync(4_000);
    await store.reserve('k', 'settled', small);
    expect(redis.last('RESERVE').args[9]).toBe('0');
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

  it('reads a pause in fleet time, as at most maxPause, or 60 s for a key no request told it of', async () => {
    redis.answers.PAUSED_FOR = 7;
    await expect(store.pausedFor('unknown')).resolves.toBe(7);
    expect(redis.last('PAUSED_FOR').args).toEqual([String(FLEET), '60000']);
    await store.pause('k', 2_000.2);
    expect(redis.last('PAUSE').args).toEqual([String(FLEET), '2000']);
    redis.answers.PAUSED_FOR = 'garbage';
    await expect(store.pausedFor('k')).resolves.toBe(0);
  });

  it('closes once: the releases due, a goodbye beat, and nothing after', async () => {
    await store.reserve('a', 'id1', REQUEST);
    await store.release('a', 'id1', REQUEST, 'ended');
    await store.close();
    expect(redis.named('RELEASE').flatMap(carried)).toEqual([['id1', '0', 'r']]);
    expect(redis.last('BEAT').args[6]).toBe('1');
    const sent = redis.calls.length;
    await store.close();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(redis.calls.length).toBe(sent);
  });
});
