import { randomBytes } from 'node:crypto';
import { BullModule } from '@nestjs/bullmq';
import { INestApplication, LoggerService } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { CommonModule } from '@gridflex/common';
import { AppConfigModule } from '@gridflex/config';
import { DATABASE, Database, PersistenceModule } from '@gridflex/persistence';
import { pgliteTemplateFile } from '@gridflex/persistence/testing';
import { ForecastAcceptedEvent, OSCP_FORECAST_ACCEPTED } from '../events';
import { OscpModule } from '../oscp.module';

export const TEST_ADMIN_API_KEY = 'test-admin-api-key-0123456789abc';

export interface OscpTestApp {
  app: INestApplication;
  db: Database;
  /** `http://127.0.0.1:<port>`: tests go over real HTTP. */
  url: string;
  /** Every `OSCP_FORECAST_ACCEPTED` event, in order. */
  events: ForecastAcceptedEvent[];
  /** Every line logged through Nest, to check that no secret is ever logged. */
  logs: string[];
  close(): Promise<void>;
}

export const TEST_TOKEN_ENCRYPTION_KEY = randomBytes(32).toString('hex');

/**
 * The OSCP module alone on an in-memory PGlite and the real Redis (a queue prefix of its own),
 * listening on a free local port. `overrides` replace configuration values.
 */
export async function startOscpTestApp(overrides: Record<string, unknown> = {}): Promise<OscpTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppConfigModule.forRoot({
        PGLITE_DATA_DIR: 'memory://',
        PGLITE_TEMPLATE_FILE: await pgliteTemplateFile(),
        DATABASE_URL: undefined,
        ADMIN_API_KEY: TEST_ADMIN_API_KEY,
        OSCP_TOKEN_ENCRYPTION_KEY: TEST_TOKEN_ENCRYPTION_KEY,
        OSCP_OUTBOUND_BACKOFF_MS: 20,
        ...overrides,
      }),
      PersistenceModule.forRoot(),
      CommonModule,
      EventEmitterModule.forRoot(),
      BullModule.forRoot({
        connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
        prefix: `gridflex-oscp-test-${randomBytes(4).toString('hex')}`,
      }),
      OscpModule,
    ],
  }).compile();
  const logs: string[] = [];
  const app = moduleRef.createNestApplication({ logger: new RecordingLogger(logs) });
  await app.listen(0, '127.0.0.1');
  const events: ForecastAcceptedEvent[] = [];
  app.get(EventEmitter2).on(OSCP_FORECAST_ACCEPTED, (event: ForecastAcceptedEvent) => events.push(event));
  return {
    app,
    db: app.get<Database>(DATABASE),
    url: await app.getUrl(),
    events,
    logs,
    close: () => app.close(),
  };
}

/** Resolves with the next `OSCP_FORECAST_ACCEPTED` event. */
export function nextForecastAccepted(app: INestApplication): Promise<ForecastAcceptedEvent> {
  return new Promise((resolve) => app.get(EventEmitter2).once(OSCP_FORECAST_ACCEPTED, resolve));
}

/** Lets anything the server does after its reply (such as emitting events) run before asserting. */
export function afterServerSettles(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

class RecordingLogger implements LoggerService {
  constructor(private readonly lines: string[]) {}

  log(...args: unknown[]): void {
    this.record(args);
  }
  error(...args: unknown[]): void {
    this.record(args);
  }
  warn(...args: unknown[]): void {
    this.record(args);
  }
  debug(...args: unknown[]): void {
    this.record(args);
  }
  verbose(...args: unknown[]): void {
    this.record(args);
  }

  private record(args: unknown[]): void {
    this.lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
  }
}
