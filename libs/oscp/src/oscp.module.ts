import { Module } from '@nestjs/common';
import { CapacityForecastController } from './capacity-forecast.controller';
import { CapacityForecastService } from './capacity-forecast.service';
import { CapacityForecastsRepository } from './capacity-forecasts.repository';
import { DsoPeersController } from './dso-peers.controller';
import { DsoPeersRepository } from './dso-peers.repository';
import { DsoPeersService } from './dso-peers.service';
import { OscpTokenGuard } from './oscp-token.guard';

/**
 * OSCP 2.0 Flexibility Provider: DSO peer administration and capacity forecast ingest. Relies on the
 * application for `APP_CONFIG`, `DATABASE`, `CommonModule` and `EventEmitterModule.forRoot()`.
 */
@Module({
  controllers: [DsoPeersController, CapacityForecastController],
  providers: [
    DsoPeersRepository,
    CapacityForecastsRepository,
    DsoPeersService,
    CapacityForecastService,
    OscpTokenGuard,
  ],
  exports: [DsoPeersRepository, CapacityForecastsRepository],
})
export class OscpModule {}
