import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { SampleConfig } from '../config/sample.config.js';
import { SAMPLE_CONFIG } from '../config/sample.constants.js';
import { AuthFailures } from './auth-failures.js';
import { sha256, type RequestWithCaller } from './caller.js';

/**
 * Service-to-service authentication by `x-api-key`. Keys are compared as SHA-256 digests with
 * `timingSafeEqual` against every configured key (no early exit), so neither the key's length nor
 * which key nearly matched leaks through timing. Every failure is the same bare 401, and failures
 * count per client address.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Array<{ digest: Buffer; callerId: string }>;

  constructor(
    @Inject(SAMPLE_CONFIG) config: SampleConfig,
    private readonly failures: AuthFailures,
  ) {
    // The caller id derives from the key's digest, so it is computed once per key, not per request.
    this.keys = config.apiKeys.map((key) => {
      const digest = sha256(key);
      return { digest, callerId: `key:${digest.toString('hex').slice(0, 16)}` };
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    this.failures.assertNotBlocked(request);
    const header = request.headers['x-api-key'];
    const presented = typeof header === 'string' ? header : '';
    const digest = sha256(presented);
    let callerId: string | undefined;
    for (const known of this.keys) {
      if (timingSafeEqual(known.digest, digest)) callerId ??= known.callerId;
    }
    if (presented === '' || callerId === undefined) {
      await this.failures.failed(request);
      throw new UnauthorizedException();
    }
    request.caller = { kind: 'service', id: callerId };
    return true;
  }
}
