import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ClusterModule } from '@gridflex/cluster';
import { SitesModule } from '@gridflex/sites';
import { ScheduleEdgesProcessor } from './schedule-edges.processor';
import { SiteDocumentsController } from './site-documents.controller';
import { SCHEDULE_EDGES_QUEUE } from './schedules.constants';
import { SchedulesController } from './schedules.controller';
import { SchedulesRepository } from './schedules.repository';
import { SchedulesService } from './schedules.service';

/**
 * Peak-shaving rules and tariffs (admin API), the job schedulers that re-plan at their window edges, and
 * the import/export of a site's whole model with its schedules.
 */
@Module({
  imports: [BullModule.registerQueue({ name: SCHEDULE_EDGES_QUEUE }), SitesModule, ClusterModule],
  controllers: [SchedulesController, SiteDocumentsController],
  providers: [SchedulesRepository, SchedulesService, ScheduleEdgesProcessor],
  exports: [SchedulesRepository],
})
export class SchedulesModule {}
