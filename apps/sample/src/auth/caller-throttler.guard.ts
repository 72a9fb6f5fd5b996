import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { RequestWithCaller } from './caller.js';

/**
 * Rate limits per authenticated caller (API key or user), not per IP: it runs after the
 * authentication guard, so a forged token cannot spend somebody else's budget.
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const req = request as unknown as RequestWithCaller;
    // `req.ip` is a getter that parses proxy headers: read only when there is no caller.
    return Promise.resolve(req.caller ? req.caller.id : `ip:${req.ip ?? 'unknown'}`);
  }

  /**
   * The storage key, in clear. The default hashes it (SHA-256 per request) to bound its length and
   * hide the tracker; here the tracker is already a short hash or an IP, and the store is in-process.
   */
  protected override generateKey(context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${context.getClass().name}:${context.getHandler().name}:${throttlerName}:${tracker}`;
  }
}
