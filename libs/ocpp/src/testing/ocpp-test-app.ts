import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { AppConfigModule } from '@gridflex/config';
import { DATABASE, Database, PersistenceModule } from '@gridflex/persistence';
import { pgliteTemplateFile } from '@gridflex/persistence/testing';
import { OcppModule } from '../ocpp.module';

export interface OcppTestApp {
  app: INestApplication;
  /** `ws://127.0.0.1:<port>/ocpp`: chargers append their identity. */
  endpoint: string;
  db: Database;
}

/** The OCPP module as the controller wires it, listening on a free port, with an in-memory database. */
export async function startOcppTestApp(overrides: Record<string, unknown> = {}): Promise<OcppTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot({
        PGLITE_DATA_DIR: 'memory://',
        PGLITE_TEMPLATE_FILE: await pgliteTemplateFile(),
        ADMIN_API_KEY: 'x'.repeat(32),
        // Most tests' chargers connect without booting: protected at once, as chargers that reconnected.
        OCPP_BOOT_WAIT_MS: 0,
        ...overrides,
      }),
      PersistenceModule.forRoot(),
      EventEmitterModule.forRoot(),
      OcppModule,
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return { app, endpoint: `ws://127.0.0.1:${port}/ocpp`, db: app.get(DATABASE) };
}
