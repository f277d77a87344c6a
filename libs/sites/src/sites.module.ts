import { Module } from '@nestjs/common';
import { ChargersRepository } from './chargers.repository';
import { SitesController } from './sites.controller';
import { SitesRepository } from './sites.repository';
import { SitesService } from './sites.service';

/** CPO configuration: sites, their OSCP group, chargers and connectors (admin API). */
@Module({
  controllers: [SitesController],
  providers: [SitesRepository, ChargersRepository, SitesService],
  exports: [SitesRepository, ChargersRepository],
})
export class SitesModule {}
