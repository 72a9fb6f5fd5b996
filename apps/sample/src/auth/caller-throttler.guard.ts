import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { RequestWithCaller } from './caller.js';

/**
 * Rate limits per authenticated caller (API key or user), not per IP: it runs after the
 * authentication guard, so a forged token cannot spend somebody else's budget. The storage key is
 * the throttler's default, a SHA-256 of the tracker: no address appears in Redis in fleet mode.
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as RequestWithCaller;
    // `req.ip` is a getter that parses proxy headers: read only when there is no caller.
    return Promise.resolve(req.caller ? req.caller.id : `ip:${req.ip ?? 'unknown'}`);
  }
}
