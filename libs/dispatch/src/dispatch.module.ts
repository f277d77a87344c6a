import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { OcppModule } from '@gridflex/ocpp';
import { ChargingProfilesProcessor } from './charging-profiles.processor';
import { CHARGING_PROFILES_QUEUE } from './dispatch.constants';
import { DispatchRepository } from './dispatch.repository';
import { ProfileDispatchService } from './profile-dispatch.service';

/** The `charging-profiles` queue: its producer, and the worker that pushes profiles to chargers. */
@Module({
  imports: [BullModule.registerQueue({ name: CHARGING_PROFILES_QUEUE }), OcppModule],
  providers: [ProfileDispatchService, DispatchRepository, ChargingProfilesProcessor],
  exports: [ProfileDispatchService],
})
export class DispatchModule {}
