import { Module } from '@nestjs/common';
import { ChargerStateRepository } from './charger-state.repository';
import { OcppGatewayService } from './ocpp-gateway.service';
import { Ocpp16HandlersService } from './ocpp16/ocpp16-handlers.service';
import { Ocpp201HandlersService } from './ocpp201/ocpp201-handlers.service';
import { TransactionsRepository } from './transactions.repository';

/**
 * The OCPP-J gateway. Needs `APP_CONFIG` (AppConfigModule), `DATABASE` (PersistenceModule) and
 * `EventEmitterModule.forRoot()` from the application.
 */
@Module({
  providers: [
    OcppGatewayService,
    Ocpp16HandlersService,
    Ocpp201HandlersService,
    ChargerStateRepository,
    TransactionsRepository,
  ],
  exports: [OcppGatewayService, ChargerStateRepository, TransactionsRepository],
})
export class OcppModule {}
