import { Global, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ADMIN_API_KEY, AdminApiKeyGuard } from './admin-api-key.guard';
import { resolveAdminApiKey } from './admin-api-key';

/** Cross-cutting pieces every feature module may use: the admin key and its guard. */
@Global()
@Module({
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
  ],
  exports: [ADMIN_API_KEY, AdminApiKeyGuard],
})
export class CommonModule {}
