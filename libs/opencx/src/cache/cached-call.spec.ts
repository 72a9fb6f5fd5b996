import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { OpenCxAbortError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';
import type { OpenCxFleetStore } from '../store/opencx-fleet-store.interface.js';
import { Deadline } from '../util/deadline.js';
import { CachedCall, type CachedCallRequest } from './cached-call.js';
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
  /** Answers the oldest pending request with `token` (and contact id `contactId`). */
  answer(token: string, contactId?: string): void {
    this.pending.shift()?.(AuthenticateUserResponseDto.of(token, contactId));
  }
}

const cacheOn = (store: OpenCxFleetStore): CachedCall =>
  new CachedCall(new TokenCache({ ttl: 300_000, skew: 0 }, store, new Logger('test')));

const request = (overrides: Partial<CachedCallRequest> = {}): CachedCallRequest => ({
  apiKey: API_KEY,
  email: 'ada@example.com',
  body: '{"email":"ada@example.com"}',
  mode: 'use',
  signal: new AbortController().signal,
  deadline: Deadline.after(TOTAL),
  ...overrides,
});

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

  /** Runs one call through `call` to its answer, releasing the upstream with `token` if it asks. */
  const complete = async (call: CachedCall, req: CachedCallRequest, token: string): Promise<string> => {
    const result = call.run(req, upstream.fetch);
    await settle();
    upstream.answer(token);
    return (await result).token;
  };

  it('answers a repeated call from the cache, and asks again for a changed payload', async () => {
    const call = cacheOn(store);
    expect(await complete(call, request(), 't1')).toBe('t1');
    expect(await complete(call, request(), 'unused')).toBe('t1');
    expect(await complete(call, request({ body: '{"email":"ada@example.com","name":"Ada"}' }), 't2')).toBe('t2');
    expect(upstream.calls).toBe(2);
  });

  it('with bypass, asks OpenCX despite a cached token and leaves the cache as it was', async () => {
    const call = cacheOn(store);
    await complete(call, request(), 't1');
    expect(await complete(call, request({ mode: 'bypass' }), 't2')).toBe('t2');
    expect(await complete(call, request(), 'unused')).toBe('t1');
    expect(upstream.calls).toBe(2);
  });

  it('with refresh, asks OpenCX despite a cached token and keeps the new one', async () => {
    const call = cacheOn(store);
    await complete(call, request(), 't1');
    expect(await complete(call, request({ mode: 'refresh' }), 't2')).toBe('t2');
    expect(await complete(call, request(), 'unused')).toBe('t2');
  });

  it.each([
    ['with the cache', (s: OpenCxFleetStore) => cacheOn(s)],
    ['without the cache', () => new CachedCall(null)],
  ])('shares a flight only between identical calls (%s)', async (_label, make) => {
    const call = make(store);
    const other = { email: 'bob@example.com', body: '{"email":"bob@example.com"}' };
    const calls = [call.run(request(), upstream.fetch), call.run(request(), upstream.fetch)];
    calls.push(call.run(request(other), upstream.fetch));
    await settle();
    expect(upstream.calls).toBe(2);
    upstream.answer('ada');
    upstream.answer('bob');
    expect((await Promise.all(calls)).map((r) => r.token)).toEqual(['ada', 'ada', 'bob']);
  });

  it("evicting one contact lets a new call join another contact's flight as before", async () => {
    const call = cacheOn(store);
    const bob = { email: 'bob@example.com', body: '{"email":"bob@example.com"}' };
    const first = call.run(request(bob), upstream.fetch);
    await settle();
    await call.evict(API_KEY, 'ada@example.com');
    const second = call.run(request(bob), upstream.fetch);
    await settle();
    upstream.answer('bob');
    expect([(await first).token, (await second).token]).toEqual(['bob', 'bob']);
    expect(upstream.calls).toBe(1);
  });

  it('evicting a contact by its id lets no new call join a flight for it', async () => {
    const call = cacheOn(store);
    const issued = call.run(request(), upstream.fetch);
    await settle();
    upstream.answer('t1', 'contact-1');
    await issued;
    const refreshing = call.run(request({ mode: 'refresh' }), upstream.fetch);
    await settle();
    await call.evictContactId(API_KEY, 'contact-1');
    const after = call.run(request({ mode: 'refresh' }), upstream.fetch);
    await settle();
    expect(upstream.calls).toBe(3);
    upstream.answer('t2');
    upstream.answer('t3');
    expect([(await refreshing).token, (await after).token]).toEqual(['t2', 't3']);
  });

  it("evicting a contact by its id lets a new call join another contact's flight as before", async () => {
    const call = cacheOn(store);
    const issued = call.run(request(), upstream.fetch);
    await settle();
    upstream.answer('ada', 'contact-1');
    await issued;
    const bob = { email: 'bob@example.com', body: '{"email":"bob@example.com"}' };
    const first = call.run(request(bob), upstream.fetch);
    await settle();
    await call.evictContactId(API_KEY, 'contact-1');
    const second = call.run(request(bob), upstream.fetch);
    await settle();
    upstream.answer('bob');
    expect([(await first).token, (await second).token]).toEqual(['bob', 'bob']);
    expect(upstream.calls).toBe(2);
  });

  it("holds the contact's lock for as long as the call may last", async () => {
    const lookup = jest.spyOn(store as OpenCxFleetStore, 'lookup');
    const call = cacheOn(store);
    void call.run(request({ deadline: Deadline.after(12_345) }), upstream.fetch);
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
    const first = one.run(request(), upstream.fetch);
    await settle();
    const second = two.run(request(), upstream.fetch);
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
    const refreshing = cacheOn(lockedElsewhere).run(request({ mode: 'refresh' }), upstream.fetch);
    await settle();
    expect([lookups, upstream.calls]).toEqual([1, 1]);
    upstream.answer('fresh');
    expect((await refreshing).token).toBe('fresh');
  });

  it('asks OpenCX itself when the store fails, and answers', async () => {
    jest.spyOn(store, 'lookup').mockRejectedValue(new Error('store down'));
    const call = cacheOn(store);
    expect(await complete(call, request(), 't1')).toBe('t1');
    expect(upstream.calls).toBe(1);
  });

  it('ends the call, asking nothing, when the look-up outlives the deadline or the call is aborted', async () => {
    jest.spyOn(store, 'lookup').mockReturnValue(new Promise(() => undefined));
    const call = cacheOn(store);
    const late = call.run(request({ deadline: Deadline.after(1_000) }), upstream.fetch).catch((e: unknown) => e);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await late).toBeInstanceOf(OpenCxTimeoutError);
    const caller = new AbortController();
    const aborted = call.run(request({ signal: caller.signal }), upstream.fetch).catch((e: unknown) => e);
    caller.abort();
    expect(await aborted).toBeInstanceOf(OpenCxAbortError);
    expect(upstream.calls).toBe(0);
  });

  it('releases the lock when OpenCX fails, so the next call asks at once', async () => {
    const call = cacheOn(store);
    const failing = call.run(request(), () => Promise.reject(new Error('upstream failed')));
    await expect(failing).rejects.toThrow('upstream failed');
    const other = cacheOn(store);
    expect(await complete(other, request(), 't1')).toBe('t1');
  });
});
