import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, BullBoardModuleOptions } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ADMIN_API_KEY, AuthThrottleService } from '@gridflex/common';
import { OcppModule } from '@gridflex/ocpp';
import { LimitWarningsRepository } from '@gridflex/planning';
import { adminQueuesAuth } from './admin-queues-auth';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { QueueBoardService } from './queue-board.service';
import { ReadinessService } from './readiness.service';
import { RedisAvailableGuard } from './redis-available.guard';
import { RedisProbe } from './redis-probe.service';

export const ADMIN_QUEUES_ROUTE = '/admin/queues';

/**
 * Operations: Prometheus metrics at `/metrics`, `/health/live` and `/health/ready`, the queue dashboard at
 * `/admin/queues` (admin key), and a global guard answering 503 to writes while Redis is away. Needs
 * `APP_CONFIG`, `DATABASE`, `CommonModule`, `ClusterModule` and `EventEmitterModule.forRoot()` from the
 * application.
 */
@Module({
  imports: [
    TerminusModule,
    BullBoardModule.forRootAsync({
      inject: [ADMIN_API_KEY, AuthThrottleService],
      useFactory: (adminKey: string, throttle: AuthThrottleService) => ({
        route: ADMIN_QUEUES_ROUTE,
        // @bull-board/express 9.10.1 pins its own @bull-board/api 9.10.1, whose types differ from the 9.10.2
        // the others use in a private field only; the adapter itself does not depend on that package at run time.
        adapter: ExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
        middleware: adminQueuesAuth(adminKey, throttle),
      }),
    }),
    // The connected-chargers gauge.
    OcppModule,
  ],
  controllers: [MetricsController, HealthController],
  providers: [
    RedisProbe,
    MetricsService,
    // The infeasible-limits gauge: it reads the planner's warnings.
    LimitWarningsRepository,
    ReadinessService,
    QueueBoardService,
    { provide: APP_GUARD, useClass: RedisAvailableGuard },
  ],
  exports: [RedisProbe],
})
export class ObservabilityModule {}
