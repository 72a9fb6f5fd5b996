import { hash } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { AuthenticateUserResponseDto, OpenCxContactDto } from '../dto/authenticate-user-response.dto.js';
import type { OpenCxFleetStore } from '../store/opencx-fleet-store.interface.js';
import { TokenCrypto } from './token-crypto.js';
import { tokenExpiry } from '../util/token-expiry.js';

/** Settings of the token cache, with defaults applied. */
export interface TokenCacheSettings {
  ttl: number;
  skew: number;
}

/**
 * The key of a contact: SHA-256 over the API key and the lower-cased email, so no email or key is
 * kept in clear, two organisations never share entries, and one contact has one entry.
 */
export function contactKey(apiKey: string, email: string): string {
  return hash('sha256', `${apiKey}\u0000${email.trim().toLowerCase()}`, 'base64url');
}

/**
 * The hash of a request body, kept beside the token (in clear, even in Redis): keyed with the API
 * key, so it cannot be matched against a list of likely bodies without it.
 */
export function payloadHash(apiKey: string, body: string): string {
  return hash('sha256', `${apiKey}\u0000${body}`, 'base64url');
}

/**
 * How much longer a contact id's note lives than the cache's ttl: it is written just before its
 * token, and must outlive it.
 */
const NOTE_MARGIN = 60_000;

/**
 * The store key of a contact id's note: hashed with the API key, as contact keys are. A contact id
 * is a UUID (case-blind), lower-cased here, the one place both the note's writer and its evictions read.
 */
function contactIdKey(apiKey: string, contactId: string): string {
  return hash('sha256', `${apiKey}\u0000contact-id\u0000${contactId.toLowerCase()}`, 'base64url');
}

/** What a contact key looks like (SHA-256 in base64url): a note's member that is not one was not written here. */
const CONTACT_KEY = /^[\w-]{43}$/;

/** A look-up's answer for the cache step: the cached result, or whether to call OpenCX. */
export interface CacheLookup {
  hit?: AuthenticateUserResponseDto;
  locked: boolean;
  /** The store's stamp of the look-up, handed back to `set`: an eviction after it wins. */
  stamp: number;
}

/** What an entry holds: the answer, and when its token expires (absent in entries of older releases). */
interface CachedToken {
  token: string;
  contactId?: string;
  expiresAt?: string | null;
}

/** The answer for `token`, `contactId` and `expiresAt`, without reading the token again. */
function answerOf(token: string, contactId: string | undefined, expiresAt: string | null): AuthenticateUserResponseDto {
  const result = new AuthenticateUserResponseDto();
  result.token = token;
  if (contactId !== undefined) result.contact = Object.assign(new OpenCxContactDto(), { id: contactId });
  result.expiresAt = expiresAt;
  return result;
}

/**
 * An entry of this process's own store, in lines: its expiry (empty when none), its contact id,
 * then its token. Cheaper to read back than JSON, on the path every cached answer takes; an entry
 * these lines cannot hold (no contact id, or one with a line break) is kept as JSON.
 */
function inLines({ token, contactId, expiresAt }: CachedToken): string | undefined {
  if (contactId === undefined || contactId.includes('\n')) return undefined;
  return `${expiresAt ?? ''}\n${contactId}\n${token}`;
}

/** The answer in an entry made by {@link inLines}. */
function fromLines(plain: string): AuthenticateUserResponseDto | undefined {
  const first = plain.indexOf('\n');
  const second = plain.indexOf('\n', first + 1);
  if (first < 0 || second < 0) return undefined;
  return answerOf(plain.slice(second + 1), plain.slice(first + 1, second), first === 0 ? null : plain.slice(0, first));
}

/** The cached answer in an entry's plaintext, or undefined when it is not one. */
function toResult(plain: string): AuthenticateUserResponseDto | undefined {
  if (!plain.startsWith('{')) return fromLines(plain);
  let entry: Partial<CachedToken>;
  try {
    entry = JSON.parse(plain) as Partial<CachedToken>;
  } catch {
    return undefined;
  }
  if (typeof entry?.token !== 'string') return undefined;
  const contactId = typeof entry.contactId === 'string' ? entry.contactId : undefined;
  const { expiresAt } = entry;
  // Read from the token when the entry does not say (written by an earlier release).
  if (expiresAt !== null && typeof expiresAt !== 'string')
    return AuthenticateUserResponseDto.of(entry.token, contactId);
  return answerOf(entry.token, contactId, expiresAt);
}

/** Settings of how a cache keeps its entries. */
export interface TokenCacheOptions {
  /**
   * Whether the store keeps its entries in this process only (the registration's own
   * `MemoryFleetStore`): they are then kept unsealed, since nothing outside the process reads them,
   * and the store's operations answer at once. Default false: sealed, for a store others can read.
   */
  local?: boolean;
}

/**
 * Contact tokens, one entry per contact (API key + email), reused while the payload is unchanged
 * and the token has at least `skew` left. An entry lives `min(ttl, exp - skew)`. With a store
 * other processes can read, entries are sealed here, bound to their contact key and payload, so
 * the store holds nothing usable and an entry moved to another key is a miss (logged), never served.
 */
export class TokenCache {
  private readonly crypto = new TokenCrypto();
  /** Whether entries stay in this process: unsealed, and the store answers at once. */
  readonly local: boolean;

  constructor(
    private readonly settings: TokenCacheSettings,
    private readonly store: OpenCxFleetStore,
    private readonly logger: Logger,
    { local = false }: TokenCacheOptions = {},
  ) {
    this.local = local;
  }

  /**
   * The cached answer for this contact and payload, or whether this instance should ask OpenCX. In a
   * store others can write, a token is served only while its contact id's note names its key:
   * deleting by id removes the note, so the deletion holds whatever was done to the note.
   */
  async lookup(key: string, apiKey: string, payload: string, lockTtl: number): Promise<CacheLookup> {
    const { value, locked, stamp } = await this.store.lookup(key, payload, lockTtl);
    if (value === undefined) return { locked, stamp };
    const plain = typeof value === 'string' ? this.opened(apiKey, key, payload, value) : undefined;
    if (plain === undefined) return this.failed(stamp);
    const hit = toResult(plain);
    if (!hit) return this.failed(stamp);
    const contactId = hit.contact?.id;
    // A token without a contact id has no note: deleting by id could never reach it anyway.
    if (this.local || contactId === undefined || (await this.noted(apiKey, contactId, key))) {
      return { hit, locked, stamp };
    }
    return { locked: true, stamp };
  }

  /**
   * Whether the note of `contactId` names `key`: not once the contact was updated or deleted by id
   * (or its note expired, or was altered in the store).
   */
  private noted(apiKey: string, contactId: string, key: string): Promise<boolean> {
    return this.store.noted(contactIdKey(apiKey, contactId), key);
  }

  /**
   * What the value stored at `key` for `payload` holds: itself in this process's own store, else
   * opened (undefined when it does not open there).
   */
  private opened(apiKey: string, key: string, payload: string, value: string): string | undefined {
    return this.local ? value : this.crypto.open(apiKey, `${key}\u0000${payload}`, value);
  }

  /** The value to store at `key` for `payload`: `plain` itself in this process's own store, else sealed to them. */
  private sealed(apiKey: string, key: string, payload: string, plain: string): string {
    return this.local ? plain : this.crypto.seal(apiKey, `${key}\u0000${payload}`, plain);
  }

  /** An entry altered, moved from another contact's key, or sealed under another API key: OpenCX is asked. */
  private failed(stamp: number): CacheLookup {
    this.logger.warn('A cached token entry failed its integrity check; it is ignored and replaced');
    return { locked: true, stamp };
  }

  /**
   * Keeps `value` for this contact, replacing any earlier entry, and releases the contact's lock;
   * keeps nothing when the contact was evicted after the look-up that gave `stamp`.
   */
  async set(
    key: string,
    apiKey: string,
    payload: string,
    value: AuthenticateUserResponseDto,
    stamp: number,
  ): Promise<void> {
    const expiry = tokenExpiry(value.token);
    const ttl = Math.min(this.settings.ttl, expiry === undefined ? Infinity : expiry - this.settings.skew - Date.now());
    if (!(ttl >= 1)) return this.store.unlock(key);
    const entry: CachedToken = { token: value.token, contactId: value.contact?.id, expiresAt: value.expiresAt };
    const plain = (this.local ? inLines(entry) : undefined) ?? JSON.stringify(entry);
    const stored = this.sealed(apiKey, key, payload, plain);
    await this.store.save(key, payload, stored, Math.floor(ttl), stamp);
  }

  /** Releases the contact's lock after a failed call. */
  unlock(key: string): Promise<void> {
    return this.store.unlock(key);
  }

  /** Forgets the contact's token. */
  evict(key: string): Promise<void> {
    return this.store.evict(key);
  }

  /**
   * Notes that `key` caches a token of the contact with this id, for longer than the token may
   * live: false when the id was evicted after the contact's look-up that gave `stamp` (the answer
   * may be the evicted profile's, so its token must not be kept). Keep the token only after it.
   */
  remember(apiKey: string, contactId: string, key: string, stamp: number): Promise<boolean> {
    return this.store.note(contactIdKey(apiKey, contactId), key, this.settings.ttl + NOTE_MARGIN, stamp);
  }

  /**
   * Forgets every token of the contact with this id, wherever the store keeps them, and marks the
   * id evicted, so no token looked up before is kept after: the contact keys noted for it. A note
   * altered in the store is removed all the same, and warned about: the tokens it no longer names
   * are served no more without it (see lookup).
   */
  async evictContactId(apiKey: string, contactId: string): Promise<string[]> {
    const members: unknown = await this.store.evictNote(contactIdKey(apiKey, contactId));
    const all: unknown[] = Array.isArray(members) ? members : [members];
    const keys = all.filter((member): member is string => typeof member === 'string' && CONTACT_KEY.test(member));
    await Promise.all(keys.map((key) => this.store.evict(key)));
    if (keys.length < all.length) {
      this.logger.warn("A contact id's note held something other than contact keys; it is removed");
    }
    return keys;
  }
}
