import { SingleFlight } from '../call/single-flight.js';
import type { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { sleep } from '../util/sleep.js';
import { contactKey, payloadHash, type TokenCache } from './token-cache.js';

/** One call as the cache step sees it. */
export interface CachedCallRequest {
  apiKey: string;
  email: string;
  /** The wire body (canonical JSON). */
  body: string;
  mode: 'use' | 'refresh' | 'bypass';
  signal?: AbortSignal;
  /** How long another instance may hold the contact's lock before this one stops waiting. */
  lockTtl: number;
}

type Fetch = (signal?: AbortSignal) => Promise<AuthenticateUserResponseDto>;

const FLEET_POLL_MS = 50;

/**
 * The cache and single-flight step: concurrent identical calls in this process share one flight;
 * in it, a cached token for the contact and payload answers at once, otherwise OpenCX is asked and
 * the answer stored for the contact, replacing a token issued for an older profile. With the Redis
 * add-on the look-up also takes the contact's lock, so one instance of the fleet asks OpenCX and
 * the others find its answer in the shared cache.
 */
export class CachedCall {
  private readonly flights = new SingleFlight<AuthenticateUserResponseDto>();

  constructor(private readonly cache: TokenCache | null) {}

  run(request: CachedCallRequest, fetch: Fetch): Promise<AuthenticateUserResponseDto> {
    const cache = request.mode === 'bypass' ? null : this.cache;
    if (!cache)
      return this.flights.run(`${request.mode}:${request.apiKey}\u0000${request.body}`, fetch, request.signal);
    const key = contactKey(request.apiKey, request.email);
    const payload = payloadHash(request.apiKey, request.body);
    return this.flights.run(
      `${request.mode}:${key}:${payload}`,
      (signal) => this.lookupOrFetch(cache, { ...request, signal }, key, payload, fetch),
      request.signal,
    );
  }

  /** Forgets the contact's cached token (this instance, and the fleet's store). */
  evict(apiKey: string, email: string): Promise<void> {
    return this.cache?.evict(contactKey(apiKey, email)) ?? Promise.resolve();
  }

  private async lookupOrFetch(
    cache: TokenCache,
    request: CachedCallRequest,
    key: string,
    payload: string,
    fetch: Fetch,
  ): Promise<AuthenticateUserResponseDto> {
    if (request.mode === 'use') {
      const until = Date.now() + request.lockTtl;
      for (;;) {
        const { hit, locked } = await cache.lookup(key, request.apiKey, payload, request.lockTtl);
        if (hit) return hit;
        // Another instance is asking OpenCX for this contact: its answer lands in the shared cache.
        if (locked || Date.now() >= until) break;
        await sleep(FLEET_POLL_MS, request.signal);
      }
    }
    let result: AuthenticateUserResponseDto;
    try {
      result = await fetch(request.signal);
    } catch (error) {
      await cache.unlock(key);
      throw error;
    }
    await cache.set(key, request.apiKey, payload, result);
    return result;
  }
}
