import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerException, type ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import type { SampleConfig } from '../config/sample.config.js';
import { SAMPLE_CONFIG } from '../config/sample.constants.js';
import { addressKey } from './caller.js';

const WINDOW_MS = 60_000;

/**
 * Failed authentications per client address (a keyed hash of it), counted in the throttler's own
 * storage (Redis in fleet mode): past `AUTH_FAILURE_LIMIT` in a minute the address is refused with 429 for a minute,
 * whatever it presents next, so keys and tokens cannot be guessed at line speed.
 */
@Injectable()
export class AuthFailures {
  /** Addresses this instance has seen blocked, until when (the storage's count decides). */
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  /** 429 while the address is blocked; call before checking credentials. */
  assertNotBlocked(request: Request): void {
    const address = addressKey(request, this.config.opencxApiKey);
    const until = this.blockedUntil.get(address);
    if (until === undefined) return;
    if (until > Date.now()) throw new ThrottlerException();
    this.blockedUntil.delete(address);
  }

  /** Counts one failure of the address; 429 once past the limit, else nothing (the guard answers 401). */
  async failed(request: Request): Promise<void> {
    const address = addressKey(request, this.config.opencxApiKey);
    const record = await this.storage.increment(
      `auth-failures:${address}`,
      WINDOW_MS,
      this.config.authFailureLimit,
      WINDOW_MS,
      'auth-failures',
    );
    if (!record.isBlocked) return;
    this.blockedUntil.set(address, Date.now() + Math.max(1, record.timeToBlockExpire) * 1000);
    throw new ThrottlerException();
  }
}
