import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  MemoryHealthIndicator,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import { OpenCxHealthIndicator } from 'nestjs-opencx/terminus';

const HEAP_LIMIT_BYTES = 1024 * 1024 * 1024;

/**
 * Liveness never calls OpenCX: an OpenCX outage must not restart healthy pods. Readiness does,
 * because a pod whose OpenCX key is refused cannot serve its one endpoint; the indicator answers
 * from recent traffic and probes at most once per `OPENCX_HEALTH_INTERVAL_MS`, so frequent
 * readiness probes do not spend the organisation's rate limit. While Redis is unreachable in fleet
 * mode, readiness stays up and says so (`fleet: 'degraded'`, `storage: 'degraded'`).
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly memory: MemoryHealthIndicator,
    private readonly opencx: OpenCxHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectThrottlerStorage() private readonly throttlerStorage: ThrottlerStorage,
  ) {}

  @Get()
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.memory.checkHeap('heap', HEAP_LIMIT_BYTES),
      () => this.opencx.isHealthy('opencx'),
      // Up either way (each instance then throttles on its own), but says where it counts.
      () => {
        const { degraded } = this.throttlerStorage as { degraded?: boolean };
        const storage = degraded === undefined ? 'memory' : degraded ? 'degraded' : 'redis';
        return this.indicators.check('throttler').up({ storage });
      },
    ]);
  }
}
