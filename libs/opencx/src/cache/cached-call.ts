import { SingleFlight } from '../call/single-flight.js';
import type { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { OpenCxAbortError, OpenCxTimeoutError } from '../errors/opencx.errors.js';
import type { CallTrace } from '../telemetry/telemetry.js';
import type { Deadline } from '../util/deadline.js';
import { contactKey, payloadHash, type CacheLookup, type TokenCache } from './token-cache.js';

/** One call as the cache step sees it. */
export interface CachedCallRequest {
  apiKey: string;
  email: string;
  /** The wire body (canonical JSON). */
  body: string;
  mode: 'use' | 'refresh' | 'bypass';
  /** The call's signal (the caller's, and the application's shutdown). */
  signal: AbortSignal;
  /** The end of the call: the look-up, the wait for another instance and the store run within it. */
  deadline: Deadline;
  /** Told how the cache step answered: joined an identical call, found a token, or asked OpenCX. */
  trace?: CallTrace;
}

type Fetch = (signal: AbortSignal) => Promise<AuthenticateUserResponseDto>;

/** First and longest pause between look-ups while another instance holds the contact's lock. */
const FIRST_POLL_MS = 50;
const LONGEST_POLL_MS = 2_000;

/** Whether `error` ends the call (its deadline or signal), rather than a store's failure. */
const endsCall = (error: unknown): boolean => error instanceof OpenCxTimeoutError || error instanceof OpenCxAbortError;

/**
 * The cache and single-flight step: concurrent identical calls in this process share one flight;
 * in it, a cached token for the contact and payload answers at once, otherwise OpenCX is asked and
 * the answer stored for the contact, replacing a token issued for an older profile. With a shared
 * store the look-up also takes the contact's lock, so one instance of the fleet asks OpenCX and
 * the others find its answer in the shared cache. Every store operation and every wait runs
 * within the call's deadline; a store that fails costs a cache miss, never the call.
 */
export class CachedCall {
  private readonly flights = new SingleFlight<AuthenticateUserResponseDto>();

  constructor(private readonly cache: TokenCache | null) {}

  run(request: CachedCallRequest, fetch: Fetch): Promise<AuthenticateUserResponseDto> {
    const { signal, deadline, trace } = request;
    const cache = request.mode === 'bypass' ? null : this.cache;
    let flightKey: string;
    let work: Fetch;
    if (cache) {
      const key = contactKey(request.apiKey, request.email);
      const payload = payloadHash(request.apiKey, request.body);
      flightKey = `${key}:${request.mode}:${payload}`;
      work = (flightSignal) => this.lookupOrFetch(cache, { ...request, signal: flightSignal }, key, payload, fetch);
    } else {
      flightKey = `${request.mode}:${request.apiKey}\u0000${request.body}`;
      work = (flightSignal) => {
        trace?.cache('miss');
        return fetch(flightSignal);
      };
    }
    // The flight's work starts at once for the call that leads it; any other call joined one in flight.
    let leads = false;
    const answer = this.flights.run(
      flightKey,
      (flightSignal) => {
        leads = true;
        return work(flightSignal);
      },
      signal,
      deadline,
    );
    if (!leads && !signal.aborted) trace?.cache('joined');
    return answer;
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
    if (key !== undefined) this.flights.forget(`${key}:`);
  }

  private async lookupOrFetch(
    cache: TokenCache,
    request: CachedCallRequest,
    key: string,
    payload: string,
    fetch: Fetch,
  ): Promise<AuthenticateUserResponseDto> {
    const { deadline, signal } = request;
    let found: CacheLookup;
    for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, LONGEST_POLL_MS)) {
      found = await this.lookup(cache, request, key, payload);
      if (found.hit && request.mode === 'use') {
        request.trace?.cache('hit');
        return found.hit;
      }
      // Locked by another instance: its answer lands in the shared cache, or its lock expires.
      if (found.locked || request.mode === 'refresh') break;
      await deadline.sleep(pause, signal);
    }
    request.trace?.cache('miss');
    let result: AuthenticateUserResponseDto;
    try {
      result = await fetch(signal);
    } catch (error) {
      await deadline.race(cache.unlock(key)).catch(() => undefined);
      throw error;
    }
    // The answer is the call's, whether or not the store keeps it in time. The token and the contact
    // id's note are independent writes, so they travel together rather than one after the other.
    const contactId = result.contact?.id;
    await Promise.all([
      deadline.race(cache.set(key, request.apiKey, payload, result, found.stamp)).catch(() => undefined),
      contactId === undefined
        ? undefined
        : deadline.race(cache.remember(request.apiKey, contactId, key, found.stamp)).catch(() => undefined),
    ]);
    return result;
  }

  /** The store's look-up within the deadline; a store that fails is a miss this instance answers. */
  private async lookup(
    cache: TokenCache,
    request: CachedCallRequest,
    key: string,
    payload: string,
  ): Promise<CacheLookup> {
    const { deadline, signal } = request;
    try {
      // The lock need not outlive this call: after its deadline this instance asks OpenCX no more.
      return await deadline.race(cache.lookup(key, request.apiKey, payload, Math.max(1, deadline.left())), signal);
    } catch (error) {
      if (endsCall(error)) throw error;
      // No stamp from the store: any eviction of the contact wins over this call's answer.
      return { locked: true, stamp: Number.NEGATIVE_INFINITY };
    }
  }
}
