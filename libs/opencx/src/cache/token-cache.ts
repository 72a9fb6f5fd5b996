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

/** The payload of an index entry (contact id → contact key): a constant, the entry holds a hash, not a token. */
const CONTACT_INDEX = 'contact-index';

/** How much longer than the token cache's ttl a note is kept. */
const NOTE_MARGIN = 1_000;

/** The store key of a contact id's index entry: hashed with the API key, as contact keys are. */
function contactIdKey(apiKey: string, contactId: string): string {
  return hash('sha256', `${apiKey}\u0000contact-id\u0000${contactId}`, 'base64url');
}

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
   * Whether the note of `contactId` names `key`: absent once the contact was deleted by id (or
   * its note expired), and warned about when it names another key (altered in the store).
   */
  async noted(apiKey: string, contactId: string, key: string): Promise<boolean> {
    const index = contactIdKey(apiKey, contactId);
    const { value, locked } = await this.store.lookup(index, CONTACT_INDEX, 1);
    // Nobody asks OpenCX for a note: a lock the look-up took goes at once.
    if (locked && !this.local) void this.store.unlock(index).catch(() => undefined);
    if (value === undefined) return false;
    const named = typeof value === 'string' ? this.opened(apiKey, index, CONTACT_INDEX, value) : undefined;
    if (named === key) return true;
    if (named === undefined) this.logger.warn("A contact id's index entry failed its integrity check; it is ignored");
    return false;
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

  /**
   * Keeps the answer for the contact and notes its contact id for `deleteContact`, so that no later
   * call finds the token of a contact deleted by id since the look-up that gave `stamp`: such a
   * deletion removed the note or makes the store refuse it. In a store others can write, a token is
   * served only while its note names it (see lookup), so both writes travel together; in this
   * process's own store the note goes first, and the token only if the note was kept.
   */
  async keep(
    key: string,
    apiKey: string,
    payload: string,
    value: AuthenticateUserResponseDto,
    stamp: number,
  ): Promise<void> {
    const contactId = value.contact?.id;
    if (contactId === undefined) return this.set(key, apiKey, payload, value, stamp);
    if (!this.local) {
      const [token, note] = await Promise.allSettled([
        this.set(key, apiKey, payload, value, stamp),
        this.remember(apiKey, contactId, key, stamp),
      ]);
      if (token.status === 'rejected') throw token.reason;
      if (note.status === 'rejected') throw note.reason;
      return;
    }
    await this.remember(apiKey, contactId, key, stamp);
    if (await this.noted(apiKey, contactId, key)) return this.set(key, apiKey, payload, value, stamp);
    return this.unlock(key);
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
   * Notes which contact key `contactId` belongs to, for as long as its token may be cached; nothing
   * when the note was evicted after the contact's look-up that gave `stamp` (the store's one clock
   * stamps both keys, so the note costs one round trip). The note is sealed and bound to its own
   * key, as token entries are: pointed at another contact, it does not open.
   */
  remember(apiKey: string, contactId: string, key: string, stamp: number): Promise<void> {
    const index = contactIdKey(apiKey, contactId);
    const note = this.sealed(apiKey, index, CONTACT_INDEX, key);
    // Saved just before its token: it outlives the token by a margin, so no token outlives its note.
    return this.store.save(index, CONTACT_INDEX, note, this.settings.ttl + NOTE_MARGIN, stamp);
  }

  /**
   * Forgets the token of the contact with this id (and the note), wherever the store keeps them:
   * the contact's key, or undefined when no note was found. A note that fails its integrity check
   * is removed: the token it should have named is served no more without it (see lookup).
   */
  async evictContactId(apiKey: string, contactId: string): Promise<string | undefined> {
    const index = contactIdKey(apiKey, contactId);
    const { value } = await this.store.lookup(index, CONTACT_INDEX, 1);
    const key = typeof value !== 'string' ? undefined : this.opened(apiKey, index, CONTACT_INDEX, value);
    if (key !== undefined) await this.store.evict(key);
    await this.store.evict(index);
    if (value !== undefined && key === undefined) {
      this.logger.warn("A contact id's index entry failed its integrity check; it is removed");
    }
    return key;
  }
}
