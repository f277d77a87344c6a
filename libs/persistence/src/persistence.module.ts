import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { DatabaseHandle, openDatabase } from './database';

/** Injection token of the Drizzle `Database`; repositories are the only classes that inject it. */
export const DATABASE = Symbol('DATABASE');
const DATABASE_HANDLE = Symbol('DATABASE_HANDLE');

@Injectable()
class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle) {}

  async onApplicationShutdown(): Promise<void> {
    await this.handle.close();
  }
}

@Global()
@Module({})
export class PersistenceModule {
  static forRoot(): DynamicModule {
    return {
      module: PersistenceModule,
      providers: [
        {
          provide: DATABASE_HANDLE,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            openDatabase({
              databaseUrl: config.DATABASE_URL,
              poolSize: config.DATABASE_POOL_SIZE,
              pgliteDataDir: config.PGLITE_DATA_DIR,
              pgliteTemplateFile: config.PGLITE_TEMPLATE_FILE,
            }),
        },
        { provide: DATABASE, inject: [DATABASE_HANDLE], useFactory: (handle: DatabaseHandle) => handle.db },
        DatabaseCloser,
      ],
      exports: [DATABASE],
    };
  }
}
