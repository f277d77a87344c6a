import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { LoggerModule } from 'nestjs-pino';
import { AuthorizationModule } from '@gridflex/authorization';
import { CommonModule, InputSafetyGuard, queueOptions, SafeExceptionsFilter } from '@gridflex/common';
import { DashboardModule } from '@gridflex/dashboard';
import { APP_CONFIG, AppConfig, AppConfigModule } from '@gridflex/config';
import { DispatchModule } from '@gridflex/dispatch';
import { ObservabilityModule } from '@gridflex/observability';
import { OcppModule } from '@gridflex/ocpp';
import { OscpModule } from '@gridflex/oscp';
import { PersistenceModule } from '@gridflex/persistence';
import { PlanningModule } from '@gridflex/planning';
import { SchedulesModule } from '@gridflex/schedules';
import { SitesModule } from '@gridflex/sites';
import { loggerOptions } from './logging';

/** The controller: every domain module, wired to one configuration, database and Redis. */
@Module({})
export class AppModule {
  /** `overrides` replace environment variables; tests use it to run on private resources. */
  static forRoot(overrides: Record<string, unknown> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(overrides),
        LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: loggerOptions }),
        PersistenceModule.forRoot(),
        CommonModule,
        EventEmitterModule.forRoot(),
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => queueOptions(config),
        }),
        SitesModule,
        OscpModule,
        OcppModule,
        AuthorizationModule,
        DispatchModule,
        PlanningModule,
        SchedulesModule,
        ObservabilityModule,
        DashboardModule,
      ],
      providers: [
        // Global, so that it runs before each controller's guards and validation pipe, whose recursion it protects.
        { provide: APP_GUARD, useClass: InputSafetyGuard },
        { provide: APP_FILTER, useClass: SafeExceptionsFilter },
      ],
    };
  }
}
