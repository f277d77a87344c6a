import { Global, Module } from '@nestjs/common';
import { EV_CHARGING_NEEDS_SINK } from '@gridflex/ocpp';
import { SitesModule } from '@gridflex/sites';
import { PlanningRepository } from '../planning.repository';
import { EvWishesService } from './ev-wishes.service';

/** Global so that `OcppModule`'s handlers find `EV_CHARGING_NEEDS_SINK` without importing planning. */
@Global()
@Module({
  imports: [SitesModule],
  providers: [
    EvWishesService,
    PlanningRepository,
    { provide: EV_CHARGING_NEEDS_SINK, useExisting: EvWishesService },
  ],
  exports: [EV_CHARGING_NEEDS_SINK],
})
export class EvWishesModule {}
