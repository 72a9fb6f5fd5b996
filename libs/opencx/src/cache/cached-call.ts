import { SingleFlight } from '../call/single-flight.js';
import type { AuthenticateUserResponseDto } from '../dto/authenticate-user-response.dto.js';
import { sleep } from '../util/sleep.js';
import { contactKey, payloadHash, type TokenCache } from './token-cache.js';

/** Single-flight across a fleet: the instance holding a payload's lock calls OpenCX, the others wait for its answer. */
export interface FleetLock {
  acquire(key: string, ttlMs: number): Promise<boolean>;
  release(key: string): Promise<void>;
  isHeld(key: string): Promise<boolean>;
}

/** One call as the cache step sees it. */
export interface CachedCallRequest {
  apiKey: string;
  email: string;
  /** The wire body (canonical JSON). */
  body: string;
  mode: 'use' | 'refresh' | 'bypass';
  signal?: AbortSignal;
  /** How long another instance may hold the payload's lock before this one stops waiting. */
  lockTtl: number;
}

type Fetch = (signal?: AbortSignal) => Promise<AuthenticateUserResponseDto>;

const FLEET_POLL_MS = 50;

/**
 * The cache and single-flight step: a cached token for the contact and payload answers at once;
 * otherwise concurrent identical calls in this process share one flight, and with the Redis
 * add-on, instances share one upstream call per payload through a lock. The answer is stored for
 * the contact, replacing any token issued for an older profile.
 */
export class CachedCall {
  private readonly flights = new SingleFlight<AuthenticateUserResponseDto>();

  constructor(
    private readonly cache: TokenCache | null,
    private readonly lock: FleetLock | null,
  ) {}

  async run(request: CachedCallRequest, fetch: Fetch): Promise<AuthenticateUserResponseDto> {
    const cache = request.mode === 'bypass' ? null : this.cache;
    if (!cache)
      return this.flights.run(`${request.mode}:${request.apiKey}\u0000${request.body}`, fetch, request.signal);
    const key = contactKey(request.apiKey, request.email);
    const payload = payloadHash(request.body);
    if (request.mode === 'use') {
      const hit = await cache.get(key, request.apiKey, payload);
      if (hit) return hit;
    }
    return this.flights.run(
      `${request.mode}:${key}:${payload}`,
      (signal) => this.fetchAndStore(cache, { ...request, signal }, key, payload, fetch),
      request.signal,
    );
  }

  /** Forgets the contact's cached token (this instance, and the fleet's store). */
  evict(apiKey: string, email: string): Promise<void> {
    return this.cache?.evict(contactKey(apiKey, email)) ?? Promise.resolve();
  }

  private async fetchAndStore(
    cache: TokenCache,
    request: CachedCallRequest,
    key: string,
    payload: string,
    fetch: Fetch,
  ): Promise<AuthenticateUserResponseDto> {
    const lock = request.mode === 'use' ? this.lock : null;
    const lockKey = `${key}:${payload}`;
    const locked = lock ? await lock.acquire(lockKey, request.lockTtl) : false;
    if (lock && !locked) {
      const answered = await this.waitForFleet(lock, cache, request, key, payload, lockKey);
      if (answered) return answered;
    }
    try {
      const result = await fetch(request.signal);
      await cache.set(key, request.apiKey, payload, result);
      return result;
    } finally {
      if (locked) await lock!.release(lockKey);
    }
  }

  /** Another instance holds the lock: wait for its answer in the shared cache while it does. */
  private async waitForFleet(
    lock: FleetLock,
    cache: TokenCache,
    request: CachedCallRequest,
    key: string,
    payload: string,
    lockKey: string,
  ): Promise<AuthenticateUserResponseDto | undefined> {
    const until = Date.now() + request.lockTtl;
    while (Date.now() < until) {
      await sleep(FLEET_POLL_MS, request.signal);
      const hit = await cache.get(key, request.apiKey, payload);
      if (hit) return hit;
      if (!(await lock.isHeld(lockKey))) return cache.get(key, request.apiKey, payload);
    }
    return undefined;
  }
}
