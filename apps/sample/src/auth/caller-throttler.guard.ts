import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { RequestWithCaller } from './caller.js';

/**
 * Rate limits per authenticated caller (API key or user), not per IP: it runs after the
 * authentication guard, so a forged token cannot spend somebody else's budget.
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const { caller, ip } = request as unknown as RequestWithCaller;
    return Promise.resolve(caller?.id ?? `ip:${ip ?? 'unknown'}`);
  }
}
