import { Global, Logger, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ADMIN_API_KEY, AdminApiKeyGuard } from './admin-api-key.guard';
import { AuthThrottleService } from './auth-throttle.service';
import { resolveAdminApiKey } from './admin-api-key';
import { QueueWorkerRegistry } from './queue-worker-registry';

/**
 * Cross-cutting pieces every feature module may use: the admin key and its guard, the throttle of failed
 * authentications, the queue-worker registry.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: ADMIN_API_KEY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const source = resolveAdminApiKey(config.ADMIN_API_KEY, config.ADMIN_API_KEY_FILE);
        if (source.generatedFile) {
          new Logger('AdminApiKey').log(
            `No ADMIN_API_KEY set: using the key stored in ${source.generatedFile}`,
          );
        }
        return source.key;
      },
    },
    AdminApiKeyGuard,
    AuthThrottleService,
    QueueWorkerRegistry,
  ],
  exports: [ADMIN_API_KEY, AdminApiKeyGuard, AuthThrottleService, QueueWorkerRegistry],
})
export class CommonModule {}
