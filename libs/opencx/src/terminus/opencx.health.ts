import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { ContactAuthService } from '../contact-auth.service.js';
import { getContactAuthToken } from '../opencx.tokens.js';

/** Options of {@link OpenCxHealthIndicator.isHealthy}. */
export interface OpenCxHealthIndicatorOptions {
  /** The registration to check (its `name`). Default: the unnamed registration. */
  name?: string;
  /**
   * How a degraded fleet counts (`fleet: 'degraded'`: a shared store failed, and this instance
   * works on its own share of the limit): `'up'` keeps the pod in rotation, `'down'` takes it out.
   * Default `'up'`.
   */
  degradedFleet?: 'up' | 'down';
}

/**
 * A `@nestjs/terminus` health indicator: down only when OpenCX is unreachable or refuses the API key
 * (and, if asked, when the fleet is degraded); rate limited is up. It spends no rate-limited call
 * while recent traffic already answered the question, and at most one probe per
 * `healthCheckInterval` otherwise (see `ContactAuthService.checkHealth`). For readiness, not
 * liveness: see docs/health.md.
 *
 * @example
 * // providers: [OpenCxHealthIndicator], imports: [TerminusModule]
 * this.health.check([() => this.opencx.isHealthy('opencx')])
 */
@Injectable()
export class OpenCxHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Checks the registration named in `options` and reports it under `key`. */
  async isHealthy<const Key extends string = 'opencx'>(
    key: Key = 'opencx' as Key,
    options: OpenCxHealthIndicatorOptions = {},
  ): Promise<HealthIndicatorResult<Key>> {
    // Looked up at call time and across modules: the indicator may live in a module that does
    // not import the OpenCxModule registration it reports on.
    const service = this.moduleRef.get<ContactAuthService>(getContactAuthToken(options.name), { strict: false });
    const { status, ...details } = await service.checkHealth();
    const session = this.indicators.check(key);
    const down = status === 'down' || (options.degradedFleet === 'down' && details.fleet === 'degraded');
    return down ? session.down(details) : session.up(details);
  }
}
