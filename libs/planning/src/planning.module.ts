import { BullModule } from '@nestjs/bullmq';
import { ClusterModule } from '@gridflex/cluster';
import { Module } from '@nestjs/common';
import { DispatchModule } from '@gridflex/dispatch';
import { OscpModule } from '@gridflex/oscp';
import { SCHEDULE_EDGES_QUEUE, SchedulesModule } from '@gridflex/schedules';
import { SitesModule } from '@gridflex/sites';
import { EvWishesModule } from './ev-wishes/ev-wishes.module';
import { GroupComplianceMetersRepository } from './group-compliance-meters.repository';
import { GroupComplianceMonitorService } from './group-compliance-monitor.service';
import { GroupCapacityService } from './group-capacity.service';
import { HorizonWishesService } from './horizon-wishes.service';
import { LimitFeasibilityService } from './limit-feasibility.service';
import { LimitWarningsRepository } from './limit-warnings.repository';
import { PlanController } from './plan.controller';
import { PlanningRepository } from './planning.repository';
import { PlanningService } from './planning.service';
import { PlansRepository } from './plans.repository';
import { SimulationController } from './simulation.controller';
import { SimulationService } from './simulation.service';

/** Orchestration: gathers the inputs of a plan, runs the optimizer, stores and dispatches the result. */
@Module({
  imports: [
    BullModule.registerQueue({ name: SCHEDULE_EDGES_QUEUE }),
    SitesModule,
    OscpModule,
    SchedulesModule,
    DispatchModule,
    ClusterModule,
    EvWishesModule,
  ],
  controllers: [PlanController, SimulationController],
  providers: [
    PlanningRepository,
    PlansRepository,
    PlanningService,
    SimulationService,
    HorizonWishesService,
    GroupComplianceMetersRepository,
    GroupComplianceMonitorService,
    LimitWarningsRepository,
    LimitFeasibilityService,
    GroupCapacityService,
  ],
  exports: [PlanningService, SimulationService, LimitWarningsRepository, GroupCapacityService],
})
export class PlanningModule {}
