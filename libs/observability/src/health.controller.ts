import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ReadinessService } from './readiness.service';

/** Public, as load balancers and Kubernetes probe them without credentials. */
@ApiTags('observability')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessService,
  ) {}

  /** The process answers; deliberately no dependency, so an outage elsewhere never gets it restarted. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** 503 naming what is down while this instance cannot do its work; a load balancer then skips it. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.readiness.database(),
      () => this.readiness.redisAnswers(),
      () => this.readiness.queueWorkers(),
    ]);
  }
}
