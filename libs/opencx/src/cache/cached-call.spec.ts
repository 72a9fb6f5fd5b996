import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { AttemptRunner } from '../call/attempt-runner.js';
import type { Call } from '../call/call.js';
import { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { OpenCxAbortError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import type { OpenCxFleetStore } from '../store/opencx-fleet-store.interface.js';
import { Deadline } from '../util/deadline.js';
import { CachedCall, type TokenRequest } from './cached-call.js';
import { TokenCache } from './token-cache.js';

const API_KEY = 'sk_cached_call';
const TOTAL = 30_000;

/** An upstream whose answers the test releases one by one. */
class Upstream {
  readonly pending: Array<(answer: AuthenticateUserResponseDto) => void> = [];
  calls = 0;
  readonly fetch = (): Promise<AuthenticateUserResponseDto> => {
    this.calls++;
    return new Promise((resolve) => this.pending.push(resolve));
  };
  /** Answers the oldest pending request with `token`, for contact id `contactId` (none when null). */
  answer(token: string, contactId: string | null = 'contact-1'): void {
    this.pending.shift()?.(AuthenticateUserResponseDto.of(token, contactId ?? undefined));
  }
}

/** The attempt runner's stand-in: every request is answered by `fetch`. */
const runnerOf = (fetch: () => Promise<AuthenticateUserResponseDto>): AttemptRunner =>
  ({ run: fetch }) as unknown as AttemptRunner;

/** A call with the cache step's settings (the rest do not matter here). */
type CallSettings = Partial<Pick<Call, 'mode' | 'signal' | 'deadline'>> & { email?: string; body?: string };

const call = ({
  mode = 'use',
  signal = new AbortController().signal,
  deadline = Deadline.after(TOTAL),
}: CallSettings = {}): Call => ({
  operation: 'authenticate-user',
  apiKey: API_KEY,
  limiterKey: 'key',
  timeout: 10_000,
  deadline,
  signal,
  mode,
  trace: { cache: () => undefined, attempt: () => undefined },
  maxRetries: 0,
  retryDelay: 0,
  maxRetryDelay: 0,
  maxRetryAfter: 0,
  retryPostAfterTimeout: true,
});

const tokenRequest = ({
  email = 'ada@example.com',
  body = '{"email":"ada@example.com"}',
}: CallSettings = {}): TokenRequest => ({
  method: 'POST',
  path: '/widget/authenticate-user',
  email,
  body,
  parse: () => AuthenticateUserResponseDto.of('unused'),
  idempotent: false,
  secrets: () => [],
});

/** Starts one call of `cached` with these settings. */
const start = (cached: CachedCall, settings: CallSettings = {}): Promise<AuthenticateUserResponseDto> =>
  cached.run(call(settings), tokenRequest(settings));

/** Lets the promise chains run (store look-ups, saves) without moving the clock. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('CachedCall', () => {
  let store: MemoryFleetStore;
  let upstream: Upstream;
  beforeEach(() => {
    jest.useFakeTimers({ now: 1_800_000_000_000 });
    store = new MemoryFleetStore(100);
    upstream = new Upstream();
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  /** A cached call over the store `over` (or none: no cache) whose runner asks the test's upstream. */
  const cacheOn = (over: OpenCxFleetStore | null, fetch = upstream.fetch): CachedCall =>
    new CachedCall(over ? new TokenCache({ ttl: 300_000, skew: 0 }, over, new Logger('test')) : null, runnerOf(fetch));

  /** Runs one call to its answer, releasing the upstream with `token` if it asks. */
  const complete = async (cached: CachedCall, settings: CallSettings, token: string): Promise<string> => {
    const result = start(cached, settings);
    await settle();
    upstream.answer(token);
    return (await result).token;
  };

  it("answers a hit from this process's own store without a flight or a timer", async () => {
    const race = jest.spyOn(Deadline.prototype, 'race');
    const local = new CachedCall(
      new TokenCache({ ttl: 300_000, skew: 0 }, store, new Logger('test'), { local: true }),
      runnerOf(upstream.fetch),
    );
    expect(await complete(local, {}, 't1')).toBe('t1');
    race.mockClear();
    expect(await complete(local, {}, 'unused')).toBe('t1');
    expect(race).not.toHaveBeenCalled();
    expect(upstream.calls).toBe(1);
  });

  it('answers a repeated call from the cache, and asks again for a changed payload', async () => {
    const cached = cacheOn(store);
    expect(await complete(cached, {}, 't1')).toBe('t1');
    expect(await complete(cached, {}, 'unused')).toBe('t1');
    expect(await complete(cached, { body: '{"email":"ada@example.com","name":"Ada"}' }, 't2')).toBe('t2');
    expect(upstream.calls).toBe(2);
  });

  it('with bypass, asks OpenCX despite a cached token and leaves the cache as it was', async () => {
    const cached = cacheOn(store);
    await complete(cached, {}, 't1');
    expect(await complete(cached, { mode: 'bypass' }, 't2')).toBe('t2');
    expect(await complete(cached, {}, 'unused')).toBe('t1');
    expect(upstream.calls).toBe(2);
  });

  it('with refresh, asks OpenCX despite a cached token and keeps the new one', async () => {
    const cached = cacheOn(store);
    await complete(cached, {}, 't1');
    expect(await complete(cached, { mode: 'refresh' }, 't2')).toBe('t2');
    expect(await complete(cached, {}, 'unused')).toBe('t2');
  });

  it.each([
    ['with the cache', (s: OpenCxFleetStore) => cacheOn(s)],
    ['without the cache', () => cacheOn(null)],
  ])('shares a flight only between identical calls (%s)', async (_label, make) => {
    const cached = make(store);
    const other = { email: 'bob@example.com', body: '{"email":"bob@example.com"}' };
    const calls = [start(cached), start(cached)];
    calls.push(start(cached, other));
    await settle();
    expect(upstream.calls).toBe(2);
    upstream.answer('ada');
    upstream.answer('bob');
    expect((await Promise.all(calls)).map((r) => r.token)).toEqual(['ada', 'ada', 'bob']);
  });

  it("evicting one contact lets a new call join another contact's flight as before", async () => {
    const cached = cacheOn(store);
    const bob = { email: 'bob@example.com', body: '{"email":"bob@example.com"}' };
    const first = start(cached, bob);
    await settle();
    await cached.evict(API_KEY, 'ada@example.com');
    const second = start(cached, bob);
    await settle();
    upstream.answer('bob');
    expect([(await first).token, (await second).token]).toEqual(['bob', 'bob']);
    expect(upstream.calls).toBe(1);
  });

  it('evicting a contact by its id lets no new call join a flight for it', async () => {
    const cached = cacheOn(store);
    const issued = start(cached);
    await settle();
    upstream.answer('t1', 'contact-1');
    await issued;
    const refreshing = start(cached, { mode: 'refresh' });
    await settle();
    await cached.evictContactId(API_KEY, 'contact-1');
    const after = start(cached, { mode: 'refresh' });
    await settle();
    expect(upstream.calls).toBe(3);
    upstream.answer('t2');
    upstream.answer('t3');
    expect([(await refreshing).token, (await after).token]).toEqual(['t2', 't3']);
  });

  /** A cached call over the test's store, kept sealed (others can read it) or as this process's own. */
  const cachedOver = (local: boolean): CachedCall =>
    new CachedCall(
      new TokenCache({ ttl: 300_000, skew: 0 }, store, new Logger('test'), { local }),
      runnerOf(upstream.fetch),
    );

  it.each([
    ['a store others can read', false],
    ["this process's own store", true],
  ])(
    'deleting a contact while its sign-in is in flight (%s): the answer goes to its caller, and is kept for no later call',
    async (_label, local) => {
      const cached = cachedOver(local);
      const signIn = start(cached);
      await settle();
      // deleteContact: the contact's note is not there yet (its answer has not arrived).
      await cached.evictContactId(API_KEY, 'contact-1');
      upstream.answer('erased', 'contact-1');
      expect((await signIn).token).toBe('erased');
      await settle();
      const later = start(cached);
      await settle();
      expect(upstream.calls).toBe(2);
      upstream.answer('new', 'contact-2');
      expect((await later).token).toBe('new');
    },
  );

  it.each([
    ['a store others can read', false],
    ["this process's own store", true],
  ])(
    'deleting a contact while its sign-in is in flight (%s): a call after the deletion joins no flight begun before it',
    async (_label, local) => {
      const cached = cachedOver(local);
      const signIn = start(cached);
      await settle();
      await cached.evictContactId(API_KEY, 'contact-1');
      const joining = start(cached);
      await settle();
      expect(upstream.calls).toBe(2);
      upstream.answer('erased', 'contact-1');
      upstream.answer('new', 'contact-2');
      expect([(await signIn).token, (await joining).token]).toEqual(['erased', 'new']);
      // The answer asked for after the deletion is kept.
      await settle();
      expect(await complete(cached, {}, 'unused')).toBe('new');
      expect(upstream.calls).toBe(2);
    },
  );

  it('evicting a contact by its id lets no new call join any flight in progress: whose contact it is, OpenCX has not said yet', async () => {
    const cached = cacheOn(store);
    const bob = { email: 'bob@example.com', body: '{"email":"bob@example.com"}' };
    const first = start(cached, bob);
    await settle();
    await cached.evictContactId(API_KEY, 'contact-1');
    const second = start(cached, bob);
    await settle();
    expect(upstream.calls).toBe(2);
    upstream.answer('bob', 'contact-bob');
    upstream.answer('bob again', 'contact-bob');
    expect([(await first).token, (await second).token]).toEqual(['bob', 'bob again']);
  });

  it('keeps no token looked up before an eviction of its contact id, even when no token of it was noted yet', async () => {
    const cached = cacheOn(store);
    const first = start(cached);
    await settle();
    await cached.evictContactId(API_KEY, 'contact-1');
    upstream.answer('minted-before', 'contact-1');
    expect((await first).token).toBe('minted-before');
    await settle();
    // A look-up in the millisecond of the eviction still counts as before it.
    jest.advanceTimersByTime(1);
    expect(await complete(cached, {}, 'minted-after')).toBe('minted-after');
    expect(await complete(cached, {}, 'unused')).toBe('minted-after');
    expect(upstream.calls).toBe(2);
  });

  it('keeps no answer without a contact id: no update or deletion by id could find it', async () => {
    const cached = cacheOn(store);
    const first = start(cached);
    await settle();
    upstream.answer('anonymous', null);
    expect((await first).token).toBe('anonymous');
    await settle();
    expect(await complete(cached, {}, 'asked again')).toBe('asked again');
    expect(upstream.calls).toBe(2);
  });

  it('evicts every token of a contact id, under each email it was noted with', async () => {
    const cached = cacheOn(store);
    const bob = { email: 'bob@example.com', body: '{"email":"bob@example.com"}' };
    expect(await complete(cached, {}, 'ada')).toBe('ada');
    expect(await complete(cached, bob, 'bob')).toBe('bob');
    await cached.evictContactId(API_KEY, 'CONTACT-1');
    expect(await complete(cached, {}, 'ada 2')).toBe('ada 2');
    expect(await complete(cached, bob, 'bob 2')).toBe('bob 2');
    expect(upstream.calls).toBe(4);
  });

  it("holds the contact's lock for as long as the call may last", async () => {
    const lookup = jest.spyOn(store as OpenCxFleetStore, 'lookup');
    const cached = cacheOn(store);
    void start(cached, { deadline: Deadline.after(12_345) });
    await settle();
    expect(lookup.mock.calls[0]?.[2]).toBe(12_345);
  });

  it('waits while another instance holds the lock, polling at 50 ms doubling to 2 s, then answers from its token', async () => {
    const one = cacheOn(store);
    // The second instance's view of the shared store: the contact's lock is the first's until it saves.
    const seenAt: number[] = [];
    const lookup: OpenCxFleetStore['lookup'] = store.lookup.bind(store);
    const shared = Object.assign(Object.create(store) as MemoryFleetStore, {
      lookup: async (key: string, payload: string, ttl: number) => {
        seenAt.push(Date.now() - 1_800_000_000_000);
        const found = await lookup(key, payload, ttl);
        return { ...found, locked: false };
      },
    });
    const two = cacheOn(shared);
    const first = start(one);
    await settle();
    const second = start(two);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(seenAt).toEqual([0, 50, 150, 350, 750, 1_550, 3_150, 5_150, 7_150, 9_150]);
    upstream.answer('from-one');
    expect((await first).token).toBe('from-one');
    await jest.advanceTimersByTimeAsync(2_000);
    expect((await second).token).toBe('from-one');
    expect(upstream.calls).toBe(1);
  });

  it('with refresh, asks OpenCX at once while another instance holds the lock: its token is the one being replaced', async () => {
    let lookups = 0;
    const lookup: OpenCxFleetStore['lookup'] = store.lookup.bind(store);
    const lockedElsewhere = Object.assign(Object.create(store) as MemoryFleetStore, {
      lookup: async (key: string, payload: string, ttl: number) => {
        lookups++;
        return { ...(await lookup(key, payload, ttl)), locked: false };
      },
    });
    const refreshing = start(cacheOn(lockedElsewhere), { mode: 'refresh' });
    await settle();
    expect([lookups, upstream.calls]).toEqual([1, 1]);
    upstream.answer('fresh');
    expect((await refreshing).token).toBe('fresh');
  });

  it('asks OpenCX itself when the store fails, and answers', async () => {
    jest.spyOn(store, 'lookup').mockRejectedValue(new Error('store down'));
    const cached = cacheOn(store);
    expect(await complete(cached, {}, 't1')).toBe('t1');
    expect(upstream.calls).toBe(1);
  });

  it('ends the call, asking nothing, when the look-up outlives the deadline or the call is aborted', async () => {
    jest.spyOn(store, 'lookup').mockReturnValue(new Promise(() => undefined));
    const cached = cacheOn(store);
    const late = start(cached, { deadline: Deadline.after(1_000) }).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await late).toBeInstanceOf(OpenCxTimeoutError);
    const caller = new AbortController();
    const aborted = start(cached, { signal: caller.signal }).catch((e: unknown) => e);
    caller.abort();
    expect(await aborted).toBeInstanceOf(OpenCxAbortError);
    expect(upstream.calls).toBe(0);
  });

  it('releases the lock when OpenCX fails, so the next call asks at once', async () => {
    const cached = cacheOn(store, () => Promise.reject(new Error('upstream failed')));
    const failing = start(cached);
    await expect(failing).rejects.toThrow('upstream failed');
    const other = cacheOn(store);
    expect(await complete(other, {}, 't1')).toBe('t1');
  });
});
