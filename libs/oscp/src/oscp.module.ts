import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ComplianceEpisodesRepository } from './compliance-episodes.repository';
import { CapacityRequestsService } from './capacity-requests.service';
import { ComplianceService } from './compliance.service';
import { CapacityForecastController } from './capacity-forecast.controller';
import { CapacityForecastService } from './capacity-forecast.service';
import { CapacityForecastsRepository } from './capacity-forecasts.repository';
import { DsoPeersController } from './dso-peers.controller';
import { DsoPeersRepository } from './dso-peers.repository';
import { DsoPeersService } from './dso-peers.service';
import { GroupMetersRepository } from './group-meters.repository';
import { MeasurementsService } from './measurements.service';
import { OscpOutboundProcessor } from './oscp-outbound.processor';
import { OscpOutboundRepository } from './oscp-outbound.repository';
import { OscpOutboxService } from './oscp-outbox.service';
import { OscpPublicUrl } from './oscp-public-url';
import { OSCP_OUTBOUND_QUEUE, OSCP_TIMERS_QUEUE } from './oscp-queues.constants';
import { OscpTimersProcessor } from './oscp-timers.processor';
import { OscpTokenGuard } from './oscp-token.guard';
import { PeerLinkController } from './peer-link.controller';
import { PeerLinkService } from './peer-link.service';
import { PeerTimersService } from './peer-timers.service';
import { RegistrationService } from './registration.service';
import { OscpTokenCipher } from './token-cipher';

/**
 * OSCP 2.0 Flexibility Provider: DSO peers, registration, handshake, heartbeats, forecast ingest and
 * the outbound queue. Relies on the application for `APP_CONFIG`, `DATABASE`, `CommonModule`,
 * `EventEmitterModule.forRoot()` and `BullModule.forRoot…()`.
 */
@Module({
  imports: [BullModule.registerQueue({ name: OSCP_OUTBOUND_QUEUE }, { name: OSCP_TIMERS_QUEUE })],
  controllers: [DsoPeersController, CapacityForecastController, PeerLinkController],
  providers: [
    DsoPeersRepository,
    CapacityForecastsRepository,
    OscpOutboundRepository,
    DsoPeersService,
    CapacityForecastService,
    OscpTokenGuard,
    OscpTokenCipher,
    OscpPublicUrl,
    OscpOutboxService,
    OscpOutboundProcessor,
    PeerTimersService,
    PeerLinkService,
    OscpTimersProcessor,
    RegistrationService,
    GroupMetersRepository,
    MeasurementsService,
    ComplianceService,
    CapacityRequestsService,
    ComplianceEpisodesRepository,
  ],
  exports: [
    DsoPeersRepository,
    CapacityForecastsRepository,
    ComplianceService,
    CapacityRequestsService,
    ComplianceEpisodesRepository,
  ],
})
export class OscpModule {}
