import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, MemoryHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { OpenCxHealthIndicator } from 'nestjs-opencx/terminus';

const HEAP_LIMIT_BYTES = 1024 * 1024 * 1024;

/**
 * Liveness never calls OpenCX: an OpenCX outage must not restart healthy pods. Readiness does,
 * because a pod whose OpenCX key is refused cannot serve its one endpoint; the indicator answers
 * from recent traffic and probes at most once per `OPENCX_HEALTH_INTERVAL_MS`, so frequent
 * readiness probes do not spend the organisation's rate limit.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly memory: MemoryHealthIndicator,
    private readonly opencx: OpenCxHealthIndicator,
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
    ]);
  }
}
