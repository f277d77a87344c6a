import { randomBytes } from 'node:crypto';
import { BullModule } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { eq } from 'drizzle-orm';
import { AppConfigModule } from '@gridflex/config';
import { insertCharger } from '@gridflex/ocpp/testing';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { DATABASE, openDatabase, PersistenceModule, schema } from '@gridflex/persistence';
import { SimulatedCharger } from '@gridflex/simulator';
import { DispatchModule } from './dispatch.module';
import { DispatchQueuesService } from './dispatch-queues.service';
import { ProfileDispatchService } from './profile-dispatch.service';

/** Stopping the instance lets the pushes in flight finish before the chargers' sockets are closed. */
describe('graceful shutdown of dispatch', () => {
  let database: { url: string; drop(): Promise<void> };
  let app: INestApplication;
  let charger: SimulatedCharger;

  beforeAll(async () => {
    database = await createSharedPostgresDatabase();
  });

  afterAll(async () => {
    await charger?.close().catch(() => undefined);
    await database.drop();
  });

  it('finishes a push in flight, and records its answer, before closing the connection', async () => {
    const prefix = `gridflex-drain-${randomBytes(4).toString('hex')}`;
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot({
          DATABASE_URL: database.url,
          ADMIN_API_KEY: 'k'.repeat(32),
          QUEUE_PREFIX: prefix,
          OCPP_CALL_TIMEOUT_MS: 5000,
          OCPP_BOOT_WAIT_MS: 0,
        }),
        PersistenceModule.forRoot(),
        EventEmitterModule.forRoot(),
        BullModule.forRoot({ connection: { url: 'redis://127.0.0.1:6379' }, prefix }),
        DispatchModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    const db = app.get(DATABASE);
    const fixture = await insertCharger(db, { identity: 'DRAIN-1', connectorIds: [1] });
    const connectorRef = fixture.connectorRefs.get(1)!;
    await db.insert(schema.connectorPlans).values({
      connectorRef,
      version: 1,
      periods: [{ start: new Date(Date.now() - 60_000).toISOString(), end: null, limitA: 16 }],
      plannedAt: new Date(),
      dispatchStatus: 'accepted',
    });
    charger = new SimulatedCharger({
      endpoint: `ws://127.0.0.1:${app.getHttpServer().address().port}/ocpp`,
      identity: 'DRAIN-1',
      connectorCount: 1,
    });
    await charger.connect();
    await charger.waitForProfile((p) => p.connectorId === 1, 10_000);
    const queue = app.get(DispatchQueuesService).own;
    for (let i = 0; i < 100 && (await queue.getActiveCount()) > 0; i++) await sleep(25);

    await db
      .update(schema.connectorPlans)
      .set({
        version: 2,
        periods: [{ start: new Date(Date.now() - 60_000).toISOString(), end: null, limitA: 10 }],
      })
      .where(eq(schema.connectorPlans.connectorRef, connectorRef));
    charger.answerDelayMs = 1000;
    await app.get(ProfileDispatchService).enqueue([{ connectorRef, version: 2, direction: 'lower' }]);
    await charger.waitForProfile(
      (p) =>
        p.connectorId === 1 && p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit === 10,
      10_000,
    );
    await app.close();

    const after = await openDatabase({ databaseUrl: database.url, pgliteDataDir: 'memory://' });
    const [plan] = await after.db
      .select()
      .from(schema.connectorPlans)
      .where(eq(schema.connectorPlans.connectorRef, connectorRef));
    await after.close();
    expect(plan).toMatchObject({ dispatchStatus: 'accepted', dispatchedVersion: 2 });
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
