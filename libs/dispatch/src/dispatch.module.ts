import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ClusterModule } from '@gridflex/cluster';
import { CommonModule } from '@gridflex/common';
import { OcppModule } from '@gridflex/ocpp';
import { ChargingProfilesProcessor } from './charging-profiles.processor';
import { DispatchJanitorProcessor } from './dispatch-janitor.processor';
import { DISPATCH_MAINTENANCE_QUEUE } from './dispatch.constants';
import { DispatchQueuesService } from './dispatch-queues.service';
import { DispatchRepository } from './dispatch.repository';
import { ProfileDispatchService } from './profile-dispatch.service';
import { TransitionBarrier } from './transition-barrier';

/**
 * The per-instance `charging-profiles` queues: their producer, the worker that pushes profiles to the chargers
 * this instance holds, and the janitor that recovers what dead instances left behind.
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: DISPATCH_MAINTENANCE_QUEUE }),
    OcppModule,
    ClusterModule,
    CommonModule,
  ],
  providers: [
    ProfileDispatchService,
    DispatchRepository,
    DispatchQueuesService,
    ChargingProfilesProcessor,
    DispatchJanitorProcessor,
    TransitionBarrier,
  ],
  exports: [ProfileDispatchService, DispatchQueuesService, ChargingProfilesProcessor],
})
export class DispatchModule {}
