import { Module } from '@nestjs/common';
import { ClusterModule } from '@gridflex/cluster';
import { CommonModule } from '@gridflex/common';
import { ChargerCallsService } from './charger-calls.service';
import { ChargerEventsController } from './charger-events/charger-events.controller';
import { ChargerEventsRepository } from './charger-events/charger-events.repository';
import { ChargerEventsService } from './charger-events/charger-events.service';
import { ChargerStateRepository } from './charger-state.repository';
import { ChargingLimitsRepository } from './charging-limits.repository';
import { EvChargingNeedsDataTransfer } from './ev-charging-needs-data-transfer';
import { InboundMessagesService } from './inbound-messages.service';
import { OcppGatewayService } from './ocpp-gateway.service';
import { Ocpp16HandlersService } from './ocpp16/ocpp16-handlers.service';
import { Ocpp201HandlersService } from './ocpp201/ocpp201-handlers.service';
import { RemoteOperationsController } from './remote-operations/remote-operations.controller';
import { RemoteOperationsService } from './remote-operations/remote-operations.service';
import { StationCeilingRepository } from './station-ceiling.repository';
import { TransactionIdMapRepository } from './transaction-id-map.repository';
import { TransactionsRepository } from './transactions.repository';
import { UpstreamOutboxRepository } from './upstream-outbox.repository';
import { UpstreamProfilesRepository } from './upstream-profiles.repository';
import { UpstreamProfilesController } from './upstream-profiles.controller';
import { UpstreamProfilesService } from './upstream-profiles.service';
import { UpstreamProxyService } from './upstream-proxy.service';
import { UpstreamReplayService } from './upstream-replay.service';
import { UpstreamTransactionIdsService } from './upstream-transaction-ids.service';
import { VendorDataTransferRegistry } from './vendor-data-transfer.registry';

/**
 * The OCPP-J gateway and the admin routes of remote operations on chargers. Needs `APP_CONFIG`
 * (AppConfigModule, whose `REDIS_URL` it coordinates through), `DATABASE` (PersistenceModule) and `EventEmitterModule.forRoot()` from the application.
 */
@Module({
  // The admin key and guard of the remote-operations routes; charger ownership across instances.
  imports: [CommonModule, ClusterModule],
  controllers: [RemoteOperationsController, ChargerEventsController, UpstreamProfilesController],
  providers: [
    RemoteOperationsService,
    ChargerCallsService,
    OcppGatewayService,
    Ocpp16HandlersService,
    Ocpp201HandlersService,
    InboundMessagesService,
    UpstreamProxyService,
    UpstreamOutboxRepository,
    UpstreamReplayService,
    UpstreamTransactionIdsService,
    TransactionIdMapRepository,
    UpstreamProfilesService,
    UpstreamProfilesRepository,
    ChargerStateRepository,
    ChargingLimitsRepository,
    StationCeilingRepository,
    TransactionsRepository,
    ChargerEventsRepository,
    ChargerEventsService,
    VendorDataTransferRegistry,
    EvChargingNeedsDataTransfer,
  ],
  exports: [
    OcppGatewayService,
    ChargerCallsService,
    ChargerStateRepository,
    ChargingLimitsRepository,
    TransactionsRepository,
    UpstreamOutboxRepository,
    ChargerEventsService,
    ChargerEventsRepository,
    VendorDataTransferRegistry,
  ],
})
export class OcppModule {}
