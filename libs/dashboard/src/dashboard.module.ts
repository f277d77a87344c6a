import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { OscpModule } from '@gridflex/oscp';
import { PlanningModule } from '@gridflex/planning';
import { SitesModule } from '@gridflex/sites';
import { DashboardAuthGuard } from './dashboard-auth.guard';
import { DASHBOARD_SAMPLES_QUEUE } from './dashboard.constants';
import { DashboardController } from './dashboard.controller';
import { DashboardSessionsRepository } from './dashboard-sessions.repository';
import { DashboardRepository } from './dashboard.repository';
import { DashboardService } from './dashboard.service';
import { LoadSamplesProcessor, LoadSamplesScheduler } from './load-samples.processor';

/**
 * The operations dashboard at `/dashboard`: a static page with uPlot charts over a JSON snapshot, and the
 * load sampling that gives the charts their history. Relies on the application for `APP_CONFIG`,
 * `DATABASE`, `CommonModule` and `BullModule.forRoot…()`.
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: DASHBOARD_SAMPLES_QUEUE }),
    SitesModule,
    OscpModule,
    PlanningModule,
  ],
  controllers: [DashboardController],
  providers: [
    DashboardRepository,
    DashboardService,
    DashboardAuthGuard,
    DashboardSessionsRepository,
    LoadSamplesScheduler,
    LoadSamplesProcessor,
  ],
  exports: [DashboardService],
})
export class DashboardModule {}
