import { randomBytes } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { BullModule } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { AppConfigModule } from '@gridflex/config';
import { insertCharger } from '@gridflex/ocpp/testing';
import { DATABASE, Database, PersistenceModule, PlannedPeriod, schema } from '@gridflex/persistence';
import { SimulatedCharger } from '@gridflex/simulator';
import { CHARGING_PROFILES_QUEUE, dispatchJobId } from './dispatch.constants';
import { DispatchModule } from './dispatch.module';
import { ProfileDispatchService } from './profile-dispatch.service';

const prefix = `gridflex-dispatch-${randomBytes(4).toString('hex')}`;

describe('charging-profiles queue', () => {
  let app: INestApplication;
  let db: Database;
  let dispatch: ProfileDispatchService;
  let queue: Queue;
  let endpoint: string;
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot({
          PGLITE_DATA_DIR: 'memory://',
          ADMIN_API_KEY: 'k'.repeat(32),
          QUEUE_PREFIX: prefix,
          DISPATCH_ATTEMPTS: 3,
          DISPATCH_BACKOFF_MS: 50,
          OCPP_CALL_TIMEOUT_MS: 500,
        }),
        PersistenceModule.forRoot(),
        EventEmitterModule.forRoot(),
        BullModule.forRoot({ connection: { url: 'redis://127.0.0.1:6379' }, prefix }),
        DispatchModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    endpoint = `ws://127.0.0.1:${app.getHttpServer().address().port}/ocpp`;
    db = app.get(DATABASE);
    dispatch = app.get(ProfileDispatchService);
    queue = app.get(getQueueToken(CHARGING_PROFILES_QUEUE));
  });

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await queue.obliterate({ force: true });
    await app.close();
  });

  const periods = (limitA: number): PlannedPeriod[] => [
    { start: new Date(Date.now() - 60_000).toISOString(), end: null, limitA },
  ];

  async function plannedConnector(
    identity: string,
    version: number,
    limitA: number,
    dispatchStatus = 'pending',
  ): Promise<string> {
    const fixture = await insertCharger(db, { identity, connectorIds: [1] });
    const connectorRef = fixture.connectorRefs.get(1)!;
    await db.insert(schema.connectorPlans).values({
      connectorRef,
      version,
      periods: periods(limitA),
      plannedAt: new Date(),
      dispatchStatus,
    });
    return connectorRef;
  }

  /** Connecting makes the controller send what is pending, so the charger's behaviour is set before. */
  async function connect(
    identity: string,
    behaviour: Partial<Pick<SimulatedCharger, 'profileAnswer' | 'answerDelayMs'>> = {},
  ): Promise<SimulatedCharger> {
    const charger = Object.assign(new SimulatedCharger({ endpoint, identity, connectorCount: 1 }), behaviour);
    await charger.connect();
    chargers.push(charger);
    return charger;
  }

  const planRow = async (connectorRef: string) =>
    (
      await db
        .select()
        .from(schema.connectorPlans)
        .where(eq(schema.connectorPlans.connectorRef, connectorRef))
    )[0];

  async function settled(connectorRef: string, version: number) {
    const job = (await queue.getJob(dispatchJobId({ connectorRef, version })))!;
    for (let i = 0; i < 200; i++) {
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') return { state, job: (await queue.getJob(job.id!))! };
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`job ${job.id} did not settle`);
  }

  it('sends the plan as a TxDefaultProfile and records the acceptance', async () => {
    const connectorRef = await plannedConnector('DISP-1', 1, 12.34);
    const charger = await connect('DISP-1');
    await dispatch.enqueue([{ connectorRef, version: 1 }]);
    const profile = await charger.waitForProfile(() => true, 10_000);
    expect(profile.csChargingProfiles.chargingProfilePurpose).toBe('TxDefaultProfile');
    expect(profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit).toBe(12.3);
    expect((await settled(connectorRef, 1)).job.returnvalue).toEqual({ outcome: 'accepted' });
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'accepted', dispatchedVersion: 1 });
  });

  it('sends the same version once however often it is enqueued', async () => {
    const connectorRef = await plannedConnector('DISP-2', 1, 16);
    const charger = await connect('DISP-2');
    await dispatch.enqueue([{ connectorRef, version: 1 }]);
    await dispatch.enqueue([{ connectorRef, version: 1 }]);
    await settled(connectorRef, 1);
    expect(charger.receivedProfiles).toHaveLength(1);
  });

  it('records a rejection and does not retry it', async () => {
    const connectorRef = await plannedConnector('DISP-3', 1, 16);
    const charger = await connect('DISP-3', { profileAnswer: 'Rejected' });
    await dispatch.enqueue([{ connectorRef, version: 1 }]);
    const { state, job } = await settled(connectorRef, 1);
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    expect(charger.receivedProfiles).toHaveLength(1);
    expect(await planRow(connectorRef)).toMatchObject({
      dispatchStatus: 'rejected',
      dispatchDetail: 'Charger answered Rejected',
    });
  });

  it('skips a job whose version a newer plan has superseded', async () => {
    const connectorRef = await plannedConnector('DISP-4', 2, 16, 'accepted');
    const charger = await connect('DISP-4');
    await dispatch.enqueue([{ connectorRef, version: 1 }]);
    expect((await settled(connectorRef, 1)).job.returnvalue).toEqual({ outcome: 'superseded' });
    expect(charger.receivedProfiles).toHaveLength(0);
    expect(await planRow(connectorRef)).toMatchObject({
      dispatchStatus: 'accepted',
      dispatchedVersion: null,
    });
  });

  it('records a timeout and retries it', async () => {
    const connectorRef = await plannedConnector('DISP-5', 1, 16);
    await connect('DISP-5', { answerDelayMs: 2_000 });
    await dispatch.enqueue([{ connectorRef, version: 1 }]);
    const { state, job } = await settled(connectorRef, 1);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(3);
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'timeout' });
  });

  it('keeps retrying while the charger is offline and delivers when it connects', async () => {
    const connectorRef = await plannedConnector('DISP-6', 1, 20);
    await dispatch.enqueue([{ connectorRef, version: 1 }]);
    const { state } = await settled(connectorRef, 1);
    expect(state).toBe('failed');
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'charger-offline' });

    const charger = await connect('DISP-6');
    const profile = await charger.waitForProfile(() => true, 10_000);
    expect(profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit).toBe(20);
    for (let i = 0; i < 200 && (await planRow(connectorRef)).dispatchStatus !== 'accepted'; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'accepted', dispatchedVersion: 1 });
  });
});
