import type { AttemptRunner } from '../call/attempt-runner.js';
import type { Call } from '../call/call.js';
import type { OpenCxRequest } from '../call/opencx-request.js';
import { SingleFlight } from '../call/single-flight.js';
import type { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { OpenCxAbortError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import { contactKey, payloadHash, type CacheLookup, type TokenCache } from './token-cache.js';

/** A request for a contact's token: what the cache keys its entry by, beside what is sent. */
export interface TokenRequest extends OpenCxRequest<AuthenticateUserResponseDto> {
  /** The contact's email: one entry per contact (API key and email). */
  readonly email: string;
  /** The wire body (canonical JSON): a changed profile is a changed payload. */
  readonly body: string;
}

/** Where a contact's entry lives: its key, and the hash of the payload it was issued for. */
interface Entry {
  key: string;
  payload: string;
}

/** First and longest pause between look-ups while another instance holds the contact's lock. */
const FIRST_POLL_MS = 50;
const LONGEST_POLL_MS = 2_000;

/** Whether `error` ends the call (its deadline or signal), rather than a store's failure. */
const endsCall = (error: unknown): boolean => error instanceof OpenCxTimeoutError || error instanceof OpenCxAbortError;

/**
 * The cache and single-flight step: concurrent identical calls in this process share one flight;
 * in it, a cached token for the contact and payload answers at once, otherwise the attempt runner
 * asks OpenCX and the answer is stored for the contact, replacing a token issued for an older
 * profile. With a shared store the look-up also takes the contact's lock, so one instance of the
 * fleet asks OpenCX and the others find its answer in the shared cache. Every store operation and
 * every wait runs within the call's deadline; a store that fails costs a cache miss, never the call.
 */
export class CachedCall {
  private readonly flights = new SingleFlight<AuthenticateUserResponseDto>();

  constructor(
    private readonly cache: TokenCache | null,
    private readonly runner: AttemptRunner,
  ) {}

  /** The contact's token for `call`: from the cache, from an identical call in flight, or from OpenCX. */
  async run(call: Call, request: TokenRequest): Promise<AuthenticateUserResponseDto> {
    const cache = call.mode === 'bypass' ? null : this.cache;
    const entry = cache ? this.entryOf(call, request) : undefined;
    const flightKey = entry
      ? `${entry.key}:${call.mode}:${entry.payload}`
      : `${call.mode}:${call.apiKey}\u0000${request.body}`;
    // This process's own store answers at once and locks no other instance out: a hit needs no flight.
    if (cache?.local && entry && call.mode === 'use' && !this.flights.find(flightKey)) {
      const { hit } = await cache.lookup(entry.key, call.apiKey, entry.payload, 1);
      if (hit) {
        call.trace.cache('hit');
        return hit;
      }
    }
    const inFlight = this.flights.find(flightKey);
    if (inFlight) {
      call.trace.cache('joined');
      return await inFlight.follow(call);
    }
    const flight = this.flights.start(flightKey, call);
    const work =
      cache && entry ? this.lookupOrFetch(flight.call, request, cache, entry) : this.fetch(flight.call, request);
    return await flight.lead(work, call);
  }

  /**
   * Forgets the contact's cached token (this instance, and the fleet's store). From then on no
   * caller joins an answer already in flight for the contact, and none is stored.
   */
  evict(apiKey: string, email: string): Promise<void> {
    const key = contactKey(apiKey, email);
    this.flights.forget(`${key}:`);
    return this.cache?.evict(key) ?? Promise.resolve();
  }

  /** Forgets the cached token of the contact with this id (its contact key noted when it was issued). */
  async evictContactId(apiKey: string, contactId: string): Promise<void> {
    const key = await this.cache?.evictContactId(apiKey, contactId);
    // No note: the contact's sign-in may be in flight here, under a key only its answer will tell.
    // No new caller joins any flight then (a few more calls to OpenCX, for a rare operation).
    this.flights.forget(key === undefined ? '' : `${key}:`);
  }

  private entryOf(call: Call, request: TokenRequest): Entry {
    return { key: contactKey(call.apiKey, request.email), payload: payloadHash(call.apiKey, request.body) };
  }

  /** Without the cache: OpenCX is asked. */
  private async fetch(call: Call, request: TokenRequest): Promise<AuthenticateUserResponseDto> {
    call.trace.cache('miss');
    return await this.runner.run(call, request);
  }

  private async lookupOrFetch(
    call: Call,
    request: TokenRequest,
    cache: TokenCache,
    entry: Entry,
  ): Promise<AuthenticateUserResponseDto> {
    const { deadline, signal } = call;
    let found: CacheLookup;
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, LONGEST_POLL_MS)) {
      found = await this.lookup(call, cache, entry);
      if (found.hit && call.mode === 'use') {
        call.trace.cache('hit');
        return found.hit;
      }
      // Locked by another instance: its answer lands in the shared cache, or its lock expires.
      if (found.locked || call.mode === 'refresh') break;
      await deadline.sleep(pause, signal);
    }
    call.trace.cache('miss');
    let result: AuthenticateUserResponseDto;
    try {
      result = await this.runner.run(call, request);
    } catch (error) {
      await this.within(call, cache, cache.unlock(entry.key)).catch(() => undefined);
      throw error;
    }
    // Not awaited: the answer is the call's whether or not the store keeps it, or keeps it in time.
    void this.store(call.apiKey, cache, entry, result, found.stamp);
    return result;
  }

  /** The store's look-up within the deadline; a store that fails is a miss this instance answers. */
  private async lookup(call: Call, cache: TokenCache, { key, payload }: Entry): Promise<CacheLookup> {
    const { deadline } = call;
    try {
      // The lock need not outlive this call: after its deadline this instance asks OpenCX no more.
      return await this.within(call, cache, cache.lookup(key, call.apiKey, payload, Math.max(1, deadline.left())));
    } catch (error) {
      if (endsCall(error)) throw error;
      // No stamp from the store: any eviction of the contact wins over this call's answer.
      return { locked: true, stamp: Number.NEGATIVE_INFINITY };
    }
  }

  /** A store operation within the call's deadline and signal; this process's own store needs no timer. */
  private within<T>(call: Call, cache: TokenCache, work: Promise<T>): Promise<T> {
    return cache.local ? work : call.deadline.race(work, call.signal);
  }

  /** Keeps the answer for the contact (see TokenCache.keep). Best effort: a store that fails costs a later miss. */
  private async store(
    apiKey: string,
    cache: TokenCache,
    { key, payload }: Entry,
    result: AuthenticateUserResponseDto,
    stamp: number,
  ): Promise<void> {
    await cache.keep(key, apiKey, payload, result, stamp).catch(() => cache.unlock(key).catch(() => undefined));
  }
}
