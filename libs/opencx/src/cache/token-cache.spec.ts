import { jest } from '@jest/globals';
import { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { tokenExpiry } from '../util/token-expiry.js';
import { TokenCache, contactKey, payloadHash } from './token-cache.js';
import { TokenCrypto } from './token-crypto.js';
import { hash } from 'node:crypto';
import type { OpenCxFleetStore } from '../store/opencx-fleet-store.interface.js';
import { Logger } from '@nestjs/common';
import { MemoryFleetStore } from '../store/memory-fleet-store.js';

/** A JWT-shaped string with the given claims. */
const jwt = (payload: object) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
const answer = (token: string) => Object.assign(new AuthenticateUserResponseDto(), { token });

/** A logger whose warnings the test reads instead of printing. */
const quiet = (): Logger => {
  const logger = new Logger('test');
  jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  return logger;
};

describe('TokenCache', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_800_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  const key = contactKey('sk_key', 'Ada@Example.com');
  const payload = payloadHash('sk_key', '{"email":"ada@example.com"}');
  const hit = async (cache: TokenCache, forPayload = payload) =>
    (await cache.lookup(key, 'sk_key', forPayload, 1_000)).hit;

  it('hashes payloads with the API key, so the stored hash cannot be matched without it', () => {
    expect(payloadHash('sk_a', '{}')).not.toBe(payloadHash('sk_b', '{}'));
  });

  it('keys a contact by API key and email (any case), without either in clear', () => {
    expect(contactKey('sk_key', ' ada@example.com')).toBe(key);
    expect(contactKey('sk_other', 'ada@example.com')).not.toBe(key);
    expect(key).not.toMatch(/ada|sk_key/i);
  });

  it('keeps an entry until min(ttl, exp - skew), then misses', async () => {
    const cache = new TokenCache({ ttl: 60_000, skew: 1_000 }, new MemoryFleetStore(10), quiet());
    const exp = Math.floor(Date.now() / 1000) + 3;
    await cache.set(key, 'sk_key', payload, answer(jwt({ exp })), 0);
    jest.advanceTimersByTime(1_900);
    expect(await hit(cache)).toBeDefined();
    jest.advanceTimersByTime(200);
    expect(await hit(cache)).toBeUndefined();
  });

  it("honours a ttl shorter than the token's life", async () => {
    const cache = new TokenCache({ ttl: 100, skew: 0 }, new MemoryFleetStore(10), quiet());
    await cache.set(key, 'sk_key', payload, answer('opaque'), 0);
    jest.advanceTimersByTime(101);
    expect(await hit(cache)).toBeUndefined();
  });

  it('misses for another payload of the same contact, and evicts by contact', async () => {
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, new MemoryFleetStore(10), quiet());
    await cache.set(key, 'sk_key', payload, answer('t1'), 0);
    expect(await hit(cache, payloadHash('sk_key', '{}'))).toBeUndefined();
    expect((await hit(cache))?.token).toBe('t1');
    await cache.evict(key);
    expect(await hit(cache)).toBeUndefined();
  });

  it('reads the exp claim in ms, or undefined', () => {
    expect(tokenExpiry(jwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000_000);
    expect(tokenExpiry(jwt({ sub: 'x' }))).toBeUndefined();
    expect(tokenExpiry('opaque-token')).toBeUndefined();
    expect(tokenExpiry('a.%%%.c')).toBeUndefined();
  });

  it("serves an entry moved to another contact's key as a miss, and says so", async () => {
    const store = new MemoryFleetStore(10);
    const logger = quiet();
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, logger);
    const alice = contactKey('sk_key', 'alice@example.com');
    const mallory = contactKey('sk_key', 'mallory@example.com');
    await cache.set(alice, 'sk_key', payload, answer('alice-token'), 0);
    // Whoever can write to the store copies Alice's sealed entry under Mallory's key.
    const { value } = await store.lookup(alice, payload);
    await store.save(mallory, payload, value ?? '', 60_000, 0);
    expect((await cache.lookup(mallory, 'sk_key', payload, 1_000)).hit).toBeUndefined();
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect((await cache.lookup(alice, 'sk_key', payload, 1_000)).hit?.token).toBe('alice-token');
  });

  it('serves an entry stored under another payload hash as a miss', async () => {
    const store = new MemoryFleetStore(10);
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet());
    const other = payloadHash('sk_key', '{"email":"ada@example.com","name":"Eve"}');
    await cache.set(key, 'sk_key', payload, answer('t1'), 0);
    const { value } = await store.lookup(key, payload);
    await store.save(key, other, value ?? '', 60_000, 0);
    expect((await cache.lookup(key, 'sk_key', other, 1_000)).hit).toBeUndefined();
  });

  it('opens no entry sealed under another API key, nor a garbled one', async () => {
    const store = new MemoryFleetStore(10);
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet());
    await cache.set(key, 'sk_other', payload, answer('t1'), 0);
    expect((await cache.lookup(key, 'sk_key', payload, 1_000)).hit).toBeUndefined();
    for (const garbage of ['', 'not base64 at all', Buffer.alloc(40).toString('base64')]) {
      await store.save(key, payload, garbage, 60_000, 0);
      expect(await cache.lookup(key, 'sk_key', payload, 1_000)).toEqual({ locked: true, stamp: expect.any(Number) });
    }
  });

  it('opens only a string: a store whose client answers bytes is read as a miss, and says so', async () => {
    const store = new MemoryFleetStore(10);
    const logger = quiet();
    await new TokenCache({ ttl: 60_000, skew: 0 }, store, logger).set(key, 'sk_key', payload, answer('t1'), 0);
    const { value } = await store.lookup(key, payload);
    // A store written without types, or whose Redis client hands back buffers, can answer bytes.
    const bytes = Buffer.from(value ?? '', 'base64') as unknown as string;
    jest.spyOn(store, 'lookup').mockResolvedValue({ value: bytes, locked: false, stamp: 1 });
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, logger);
    expect(await cache.lookup(key, 'sk_key', payload, 1_000)).toEqual({ locked: true, stamp: 1 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('keys a contact as earlier releases did (SHA-256 of the key and the lower-cased email), so a rolling deploy shares entries', () => {
    expect(contactKey('sk_key', ' Ada@Example.COM ')).toBe(hash('sha256', 'sk_key\u0000ada@example.com', 'base64url'));
  });

  /** Puts a value sealed for `key` and `payload` straight into the store, as another instance could. */
  const plant = async (store: OpenCxFleetStore, plaintext: string) => {
    const sealed = new TokenCrypto().seal('sk_key', `${key}\u0000${payload}`, plaintext);
    await store.save(key, payload, sealed, 60_000, 0);
  };

  it('reads an entry without a contact id, or with one that is not a string, as a token without a contact', async () => {
    const store = new MemoryFleetStore(10);
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet());
    await plant(store, JSON.stringify({ token: 't1', contactId: 42 }));
    expect((await hit(cache))?.contact).toBeUndefined();
    await plant(store, JSON.stringify({ token: 't1', contactId: 'c-9' }));
    await cache.remember('sk_key', 'c-9', key, 0);
    expect((await hit(cache))?.contact?.id).toBe('c-9');
  });

  it('treats an entry that opens but holds no token as a miss, and says so', async () => {
    const store = new MemoryFleetStore(10);
    const logger = quiet();
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, logger);
    for (const plaintext of ['null', '{"token":7}', '[]']) {
      await plant(store, plaintext);
      expect(await cache.lookup(key, 'sk_key', payload, 1_000)).toEqual({ locked: true, stamp: expect.any(Number) });
    }
    expect(logger.warn).toHaveBeenCalledWith(
      'A cached token entry failed its integrity check; it is ignored and replaced',
    );
  });

  it('passes a plain miss through as the store said it, lock included, without a warning', async () => {
    const logger = quiet();
    const store = new MemoryFleetStore(10);
    jest.spyOn(store as OpenCxFleetStore, 'lookup').mockResolvedValue({ locked: false, stamp: 5 });
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, logger);
    expect(await cache.lookup(key, 'sk_key', payload, 1_000)).toEqual({ locked: false, stamp: 5 });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it("reads a store's value that is not a string as a failed entry, never throwing", async () => {
    const logger = quiet();
    const store = new MemoryFleetStore(10);
    jest
      .spyOn(store as OpenCxFleetStore, 'lookup')
      .mockResolvedValue({ value: 42 as unknown as string, locked: false, stamp: 5 });
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, logger);
    expect(await cache.lookup(key, 'sk_key', payload, 1_000)).toEqual({ locked: true, stamp: 5 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('keeps a token with 1 ms to live, and keeps none with less, releasing the lock instead', async () => {
    const store = new MemoryFleetStore(10);
    const save = jest.spyOn(store as OpenCxFleetStore, 'save');
    const unlock = jest.spyOn(store as OpenCxFleetStore, 'unlock');
    await new TokenCache({ ttl: 1, skew: 0 }, store, quiet()).set(key, 'sk_key', payload, answer('t1'), 0);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save.mock.calls[0]?.[3]).toBe(1);
    const exp = Math.floor(Date.now() / 1000) + 10;
    await new TokenCache({ ttl: 60_000, skew: 10_000 }, store, quiet()).set(
      key,
      'sk_key',
      payload,
      answer(jwt({ exp })),
      0,
    );
    expect(save).toHaveBeenCalledTimes(1);
    expect(unlock).toHaveBeenCalledWith(key);
  });

  it("keeps entries unsealed in this process's own store, and reads them back as they were", async () => {
    const store = new MemoryFleetStore(10);
    const seal = jest.spyOn(TokenCrypto.prototype, 'seal');
    const open = jest.spyOn(TokenCrypto.prototype, 'open');
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet(), { local: true });
    const exp = Math.floor(Date.now() / 1000) + 600;
    await cache.set(key, 'sk_key', payload, AuthenticateUserResponseDto.of(jwt({ exp }), 'c-1'), 0);
    expect(await cache.remember('sk_key', 'c-1', key, 0)).toBe(true);
    expect((await store.lookup(key, payload)).value).toContain(jwt({ exp }));
    const found = await cache.lookup(key, 'sk_key', payload, 1_000);
    expect(found.hit).toEqual(AuthenticateUserResponseDto.of(jwt({ exp }), 'c-1'));
    expect(await cache.evictContactId('sk_key', 'c-1')).toEqual([key]);
    expect([seal.mock.calls.length, open.mock.calls.length]).toEqual([0, 0]);
    seal.mockRestore();
    open.mockRestore();
  });

  it("reads back every answer kept in this process's own store as it was given", async () => {
    const store = new MemoryFleetStore(10);
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet(), { local: true });
    const exp = Math.floor(Date.now() / 1000) + 600;
    for (const given of [
      AuthenticateUserResponseDto.of(jwt({ exp }), 'c-1'),
      AuthenticateUserResponseDto.of('opaque\nwith a line break', 'c-2'),
      AuthenticateUserResponseDto.of('no contact id'),
      AuthenticateUserResponseDto.of('t', 'odd\ncontact id'),
      AuthenticateUserResponseDto.of('{"looks":"like JSON"}', 'c-3'),
    ]) {
      await cache.set(key, 'sk_key', payload, given, 0);
      expect((await cache.lookup(key, 'sk_key', payload, 1_000)).hit).toEqual(given);
    }
  });

  it('reads an entry of an earlier release, without its expiry, by its token', async () => {
    const store = new MemoryFleetStore(10);
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet());
    const exp = Math.floor(Date.now() / 1000) + 600;
    await plant(store, JSON.stringify({ token: jwt({ exp }), contactId: 'c-2' }));
    await cache.remember('sk_key', 'c-2', key, 0);
    expect((await hit(cache))?.expiresAt).toBe(new Date(exp * 1000).toISOString());
  });

  it('finds every key of a contact by its contact id (any case), and none for an unknown id', async () => {
    const store = new MemoryFleetStore(10);
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet());
    const bob = contactKey('sk_key', 'bob@example.com');
    const old = contactKey('sk_key', 'ada.old@example.com');
    await cache.remember('sk_key', 'C-ADA', old, 0);
    await cache.remember('sk_key', 'c-ada', key, 0);
    await cache.remember('sk_key', 'c-bob', bob, 0);
    expect((await cache.evictContactId('sk_key', 'c-ADA')).toSorted()).toEqual([key, old].toSorted());
    expect(await cache.evictContactId('sk_key', 'c-ada')).toEqual([]);
    expect(await cache.evictContactId('sk_key', 'c-unknown')).toEqual([]);
    expect(await cache.evictContactId('sk_key', 'c-bob')).toEqual([bob]);
  });

  it('notes nothing, and so keeps no token, for a contact id evicted after the look-up', async () => {
    const store = new MemoryFleetStore(10);
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet());
    const { stamp } = await cache.lookup(key, 'sk_key', payload, 1_000);
    await cache.evictContactId('sk_key', 'c-ada');
    expect(await cache.remember('sk_key', 'c-ada', key, stamp)).toBe(false);
    jest.advanceTimersByTime(1);
    const later = await cache.lookup(key, 'sk_key', payload, 1_000);
    expect(await cache.remember('sk_key', 'c-ada', key, later.stamp)).toBe(true);
  });

  it("keeps a contact id's note longer than the cache's ttl: its token is saved just after it", async () => {
    const store = new MemoryFleetStore(10);
    const note = jest.spyOn(store as OpenCxFleetStore, 'note');
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet());
    await cache.remember('sk_key', 'c-ada', key, 0);
    expect(note.mock.calls[0]?.[2]).toBeGreaterThan(60_000);
  });

  it("removes a contact-id note with a member that is not a string (a custom store's answer), evicting the others, and resolves", async () => {
    const store = new MemoryFleetStore(10);
    const logger = quiet();
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, logger);
    await cache.remember('sk_key', 'c-odd', key, 0);
    const evictNote = store.evictNote.bind(store);
    jest
      .spyOn(store as OpenCxFleetStore, 'evictNote')
      .mockImplementation(async (at) => [...(await evictNote(at)), 42 as unknown as string]);
    const evict = jest.spyOn(store as OpenCxFleetStore, 'evict');
    await expect(cache.evictContactId('sk_key', 'c-odd')).resolves.toEqual([key]);
    expect(evict.mock.calls).toEqual([[key]]);
    expect(logger.warn).toHaveBeenCalledWith(
      "A contact id's note held something other than contact keys; it is removed",
    );
  });

  it("evicts nothing by a note's member that is no contact key (an altered note), says so, and resolves", async () => {
    const store = new MemoryFleetStore(10);
    const logger = quiet();
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, logger);
    const { stamp } = await store.lookup(key, payload);
    const note = jest.spyOn(store as OpenCxFleetStore, 'note');
    await cache.remember('sk_key', 'c-alice', key, stamp);
    const aliceNote = note.mock.calls[0]![0];
    await store.note(aliceNote, `${key}.tail`, 60_000, stamp);
    await store.note(aliceNote, 'opencx:{other}:lock', 60_000, stamp);
    const evict = jest.spyOn(store as OpenCxFleetStore, 'evict');
    await expect(cache.evictContactId('sk_key', 'c-alice')).resolves.toEqual([key]);
    expect(evict.mock.calls).toEqual([[key]]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it("serves no token whose contact's note was removed or moved: deleting by id holds whatever was done to the notes", async () => {
    const store = new MemoryFleetStore(10);
    const note = jest.spyOn(store as OpenCxFleetStore, 'note');
    const cache = new TokenCache({ ttl: 60_000, skew: 0 }, store, quiet());
    const mallory = contactKey('sk_key', 'mallory@example.com');
    await cache.remember('sk_key', 'c-alice', key, 0);
    await cache.set(key, 'sk_key', payload, AuthenticateUserResponseDto.of('alice-token', 'c-alice'), 0);
    await cache.remember('sk_key', 'c-mallory', mallory, 0);
    await cache.set(mallory, 'sk_key', payload, AuthenticateUserResponseDto.of('mallory-token', 'c-mallory'), 0);
    expect((await hit(cache))?.token).toBe('alice-token');
    // Whoever can write to the store swaps the two notes: each now names the other contact.
    const aliceNote = note.mock.calls[0]![0];
    const malloryNote = note.mock.calls[1]![0];
    await Promise.all([store.evictNote(aliceNote), store.evictNote(malloryNote)]);
    jest.advanceTimersByTime(1);
    const { stamp } = await store.lookup('elsewhere', 'p');
    await store.note(aliceNote, mallory, 60_000, stamp);
    await store.note(malloryNote, key, 60_000, stamp);
    // Neither token is served while its note does not name it (OpenCX is asked instead).
    expect(await hit(cache)).toBeUndefined();
    expect((await cache.lookup(mallory, 'sk_key', payload, 1_000)).hit).toBeUndefined();
    // Deleting Alice by id resolves, and her token is still not served (her note is gone).
    await expect(cache.evictContactId('sk_key', 'c-alice')).resolves.toEqual([mallory]);
    expect(await hit(cache)).toBeUndefined();
  });
});
