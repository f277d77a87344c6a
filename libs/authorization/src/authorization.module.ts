import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { CommonModule } from '@gridflex/common';
import { ID_TOKEN_AUTHORIZER, OcppModule } from '@gridflex/ocpp';
import { AuthorizationRepository } from './authorization.repository';
import { AuthorizationService } from './authorization.service';
import { IdTokensController } from './id-tokens.controller';
import { IdTokensService } from './id-tokens.service';
import { LOCAL_AUTH_LISTS_QUEUE, LocalAuthListProcessor } from './local-auth-list.processor';
import { SiteAuthorizationController } from './site-authorization.controller';

/**
 * Authorization of id tokens: the list and each site's policy (admin API), the decisions the OCPP handlers ask
 * for through `ID_TOKEN_AUTHORIZER`, and the local auth lists sent to chargers. Global so that `OcppModule`,
 * which it imports to reach the chargers, sees the authorizer without importing it back.
 */
@Global()
@Module({
  imports: [BullModule.registerQueue({ name: LOCAL_AUTH_LISTS_QUEUE }), CommonModule, OcppModule],
  controllers: [IdTokensController, SiteAuthorizationController],
  providers: [
    AuthorizationRepository,
    AuthorizationService,
    IdTokensService,
    LocalAuthListProcessor,
    { provide: ID_TOKEN_AUTHORIZER, useExisting: AuthorizationService },
  ],
  exports: [ID_TOKEN_AUTHORIZER, AuthorizationService],
})
export class AuthorizationModule {}
