import { Module } from '@nestjs/common';
import { BookingsController } from './bookings.controller';
import { BookingsRepository } from './bookings.repository';
import { BookingsService } from './bookings.service';
import { ChargersRepository } from './chargers.repository';
import { SessionPreferencesController } from './session-preferences.controller';
import { SessionPreferencesRepository } from './session-preferences.repository';
import { SessionPreferencesService } from './session-preferences.service';
import { SiteDocumentsService } from './site-documents.service';
import { SiteModelRepository } from './site-model.repository';
import { SitesController } from './sites.controller';
import { SitesRepository } from './sites.repository';
import { SitesService } from './sites.service';

/** CPO configuration: sites, their OSCP group, circuits, chargers and connectors, versioned; session preferences and bookings (admin API). */
@Module({
  controllers: [SitesController, SessionPreferencesController, BookingsController],
  providers: [
    SitesRepository,
    ChargersRepository,
    SiteModelRepository,
    SitesService,
    SiteDocumentsService,
    SessionPreferencesRepository,
    SessionPreferencesService,
    BookingsRepository,
    BookingsService,
  ],
  exports: [
    SitesRepository,
    ChargersRepository,
    SiteModelRepository,
    SiteDocumentsService,
    SessionPreferencesRepository,
  ],
})
export class SitesModule {}
