import { randomBytes } from 'node:crypto';
import { BullModule } from '@nestjs/bullmq';
import { INestApplication } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { eq } from 'drizzle-orm';
import { AppConfigModule } from '@gridflex/config';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '@gridflex/ocpp';
import { insertCharger } from '@gridflex/ocpp/testing';
import { DATABASE, Database, PersistenceModule, PlannedPeriod, schema } from '@gridflex/persistence';
import { pgliteTemplateFile } from '@gridflex/persistence/testing';
import { ReceivedChargingProfile, SimulatedCharger, SimulatedChargerOptions } from '@gridflex/simulator';
import { dispatchJobId, PlanChange } from './dispatch.constants';
import { DispatchJanitorProcessor } from './dispatch-janitor.processor';
import { DispatchQueuesService } from './dispatch-queues.service';
import { DispatchModule } from './dispatch.module';
import { ProfileDispatchService } from './profile-dispatch.service';

/** Every connection first gets the station maximum, on connector / EVSE 0; these tests are about the rest. */
function onConnector(profile: object): boolean {
  const { connectorId, evseId } = profile as { connectorId?: number; evseId?: number };
  return (connectorId ?? evseId ?? 0) > 0;
}

const connectorProfiles = (charger: SimulatedCharger) => charger.receivedProfiles.filter(onConnector);

const prefix = `gridflex-dispatch-${randomBytes(4).toString('hex')}`;

describe('charging-profiles queue', () => {
  let app: INestApplication;
  let db: Database;
  let dispatch: ProfileDispatchService;
  let queue: Queue;
  let endpoint: string;
  const chargers: SimulatedCharger[] = [];
  const events: ChargerStateChangedEvent[] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot({
          PGLITE_DATA_DIR: 'memory://',
          PGLITE_TEMPLATE_FILE: await pgliteTemplateFile(),
          ADMIN_API_KEY: 'k'.repeat(32),
          QUEUE_PREFIX: prefix,
          DISPATCH_ATTEMPTS: 3,
          DISPATCH_BACKOFF_MS: 50,
          OCPP_CALL_TIMEOUT_MS: 500,
          OCPP_BOOT_WAIT_MS: 0,
          OCPP_VERIFY_PROFILES: 'always',
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
    queue = app.get(DispatchQueuesService).own;
    app
      .get(EventEmitter2)
      .on(OCPP_CHARGER_STATE_CHANGED, (event: ChargerStateChangedEvent) => events.push(event));
  });

  afterAll(async () => {
    await Promise.all(chargers.map((c) => c.close()));
    await queue.obliterate({ force: true });
    await app.close();
  });

  const raise = (connectorRef: string, version: number): PlanChange => ({
    connectorRef,
    version,
    direction: 'raise',
  });

  const periods = (limitA: number): PlannedPeriod[] => [
    { start: new Date(Date.now() - 60_000).toISOString(), end: null, limitA },
  ];

  async function plannedConnector(
    identity: string,
    version: number,
    limitA: number,
    dispatchStatus = 'pending',
    ocppVersion: '1.6' | '2.0.1' = '1.6',
  ): Promise<string> {
    const fixture = await insertCharger(db, { identity, connectorIds: [1], ocppVersion });
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
    ocppVersion: '1.6' | '2.0.1' = '1.6',
    misbehaviour: Partial<SimulatedChargerOptions> = {},
  ): Promise<SimulatedCharger> {
    const charger = Object.assign(
      new SimulatedCharger({ endpoint, identity, connectorCount: 1, ocppVersion, ...misbehaviour }),
      behaviour,
    );
    await charger.connect();
    chargers.push(charger);
    return charger;
  }

  /** Once announced connected, the charger's pending plans are being queued for it. */
  async function announced(identity: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (events.some((e) => e.identity === identity && e.reason === 'connected')) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${identity} was not announced connected`);
  }

  const uncontrollableReason = async (connectorRef: string) =>
    (await db.select().from(schema.connectors).where(eq(schema.connectors.id, connectorRef)))[0]
      .uncontrollableReason;

  const planRow = async (connectorRef: string) =>
    (
      await db
        .select()
        .from(schema.connectorPlans)
        .where(eq(schema.connectorPlans.connectorRef, connectorRef))
    )[0];

  async function settled(connectorRef: string, version: number) {
    let job = await queue.getJob(dispatchJobId({ connectorRef, version }));
    for (let i = 0; i < 200 && !job; i++) {
      await new Promise((r) => setTimeout(r, 25));
      job = await queue.getJob(dispatchJobId({ connectorRef, version }));
    }
    if (!job) throw new Error(`no job for ${connectorRef} v${version}`);
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
    await dispatch.enqueue([raise(connectorRef, 1)]);
    const profile = await charger.waitForProfile<ReceivedChargingProfile>(onConnector, 10_000);
    expect(profile.csChargingProfiles.chargingProfilePurpose).toBe('TxDefaultProfile');
    expect(profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit).toBe(12.3);
    expect((await settled(connectorRef, 1)).job.returnvalue).toEqual({ outcome: 'accepted' });
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'accepted', dispatchedVersion: 1 });
  });

  it('sends the unchanged plan again as a TxProfile when a transaction starts', async () => {
    const connectorRef = await plannedConnector('DISP-TX', 1, 14);
    const charger = await connect('DISP-TX');
    await dispatch.enqueue([raise(connectorRef, 1)]);
    await settled(connectorRef, 1);
    const transactionId = await charger.startTransaction(1, 'TAG', 0);
    const profile = await charger.waitForProfile(
      (p) => p.csChargingProfiles.chargingProfilePurpose === 'TxProfile',
      10_000,
    );
    expect(profile.csChargingProfiles).toMatchObject({ transactionId });
    expect(profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit).toBe(14);
    expect(connectorProfiles(charger).map((p) => p.csChargingProfiles.chargingProfilePurpose)).toEqual([
      'TxDefaultProfile',
      'TxProfile',
    ]);
  });

  it("stores a re-plan's plans chunk by chunk before queueing their pushes, lowerings first", async () => {
    const lowered = await plannedConnector('DISP-S1', 1, 20, 'accepted');
    const raised = await plannedConnector('DISP-S2', 1, 10, 'accepted');
    const chargers = [await connect('DISP-S1'), await connect('DISP-S2')];
    // Each connection first re-asserts version 1.
    await eventually(() => chargers.every((charger) => connectorProfiles(charger).length === 1));
    const changes = [
      { ...raise(raised, 2), limitA: 20 },
      { connectorRef: lowered, version: 2, direction: 'lower' as const, limitA: 10 },
    ];
    const stored: string[][] = [];
    await dispatch.enqueue(changes, async (chunk) => {
      stored.push(chunk.map((change) => change.connectorRef));
      for (const change of chunk) {
        await db
          .update(schema.connectorPlans)
          .set({ version: change.version, periods: periods(change.limitA), dispatchStatus: 'pending' })
          .where(eq(schema.connectorPlans.connectorRef, change.connectorRef));
      }
    });
    expect(stored).toEqual([[lowered, raised]]);
    for (const ref of [lowered, raised]) {
      expect((await settled(ref, 2)).job.returnvalue).toEqual({ outcome: 'accepted' });
    }
    const limits = chargers.map((charger) =>
      connectorProfiles(charger).map(
        (p) => p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit,
      ),
    );
    expect(limits).toEqual([
      [20, 10],
      [10, 20],
    ]);
  });

  it('sends the same version once however often it is enqueued', async () => {
    const connectorRef = await plannedConnector('DISP-2', 1, 16);
    const charger = await connect('DISP-2');
    await dispatch.enqueue([raise(connectorRef, 1)]);
    await dispatch.enqueue([raise(connectorRef, 1)]);
    await settled(connectorRef, 1);
    expect(connectorProfiles(charger)).toHaveLength(1);
  });

  it('records a rejection and does not retry it', async () => {
    const connectorRef = await plannedConnector('DISP-3', 1, 16);
    const charger = await connect('DISP-3', { profileAnswer: 'Rejected' });
    await dispatch.enqueue([raise(connectorRef, 1)]);
    const { state, job } = await settled(connectorRef, 1);
    expect(state).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    expect(connectorProfiles(charger)).toHaveLength(1);
    expect(await planRow(connectorRef)).toMatchObject({
      dispatchStatus: 'rejected',
      dispatchDetail: 'profile Rejected by the charger',
    });
  });

  it('skips a job whose version a newer plan has superseded', async () => {
    const connectorRef = await plannedConnector('DISP-4', 2, 16, 'accepted');
    const charger = await connect('DISP-4');
    // The connection itself re-asserts version 2 first.
    await eventually(() => connectorProfiles(charger).length === 1);
    await dispatch.enqueue([raise(connectorRef, 1)]);
    expect((await settled(connectorRef, 1)).job.returnvalue).toEqual({ outcome: 'superseded' });
    expect(connectorProfiles(charger)).toHaveLength(1);
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'accepted', dispatchedVersion: 2 });
  });

  it('records a timeout and retries it', async () => {
    const connectorRef = await plannedConnector('DISP-5', 1, 16);
    await connect('DISP-5', { answerDelayMs: 2_000 });
    await dispatch.enqueue([raise(connectorRef, 1)]);
    const { state, job } = await settled(connectorRef, 1);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(3);
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'timeout' });
  });

  it('records a plan for an offline charger as such and delivers it when the charger connects', async () => {
    const connectorRef = await plannedConnector('DISP-6', 1, 20);
    await dispatch.enqueue([raise(connectorRef, 1)]);
    expect(await planRow(connectorRef)).toMatchObject({
      dispatchStatus: 'charger-offline',
      dispatchedVersion: 1,
    });
    expect(await queue.getJob(dispatchJobId({ connectorRef, version: 1 }))).toBeUndefined();

    const charger = await connect('DISP-6');
    const profile = await charger.waitForProfile<ReceivedChargingProfile>(onConnector, 10_000);
    expect(profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit).toBe(20);
    for (let i = 0; i < 200 && (await planRow(connectorRef)).dispatchStatus !== 'accepted'; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'accepted', dispatchedVersion: 1 });
  });
  it('sends a 2.0.1 station a TxProfile with its own transaction id', async () => {
    const connectorRef = await plannedConnector('DISP-7', 1, 16, 'pending', '2.0.1');
    await db.insert(schema.transactions).values({
      connectorRef,
      idTag: 'TOKEN',
      meterStartWh: 0,
      startedAt: new Date(),
      stationTransactionId: 'station-tx-7',
    });
    const station = await connect('DISP-7', {}, '2.0.1');
    const profile = await station.waitForProfile<{
      evseId: number;
      chargingProfile: { chargingProfilePurpose: string; transactionId?: string };
    }>(onConnector, 10_000);
    expect(profile).toMatchObject({
      evseId: 1,
      chargingProfile: { chargingProfilePurpose: 'TxProfile', transactionId: 'station-tx-7' },
    });
    expect((await settled(connectorRef, 1)).job.returnvalue).toEqual({ outcome: 'accepted' });
  });

  it('marks a connector uncontrollable on a rejection and controllable again on an acceptance', async () => {
    const connectorRef = await plannedConnector('DISP-8', 1, 16);
    const charger = await connect('DISP-8', { profileAnswer: 'Rejected' });
    await announced('DISP-8');
    await settled(connectorRef, 1);
    expect(await uncontrollableReason(connectorRef)).toBe('profile Rejected by the charger');
    const controllability = () =>
      events.filter((e) => e.identity === 'DISP-8' && e.reason === 'controllability').length;
    expect(controllability()).toBe(1);

    charger.profileAnswer = 'Accepted';
    await db
      .update(schema.connectorPlans)
      .set({ version: 2, periods: periods(10) })
      .where(eq(schema.connectorPlans.connectorRef, connectorRef));
    await dispatch.enqueue([raise(connectorRef, 2)]);
    await settled(connectorRef, 2);
    expect(await uncontrollableReason(connectorRef)).toBeNull();
    expect(controllability()).toBe(2);
  });

  it('marks a 2.0.1 connector uncontrollable on a CALLERROR NotSupported, without retrying', async () => {
    const connectorRef = await plannedConnector('DISP-9', 1, 16, 'pending', '2.0.1');
    const station = await connect('DISP-9', { profileAnswer: 'NotSupported' }, '2.0.1');
    await announced('DISP-9');
    const { state, job } = await settled(connectorRef, 1);
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(connectorProfiles(station)).toHaveLength(1);
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'call-error' });
    expect(await uncontrollableReason(connectorRef)).toBe('SetChargingProfile answered NotSupported');
  });

  it('re-asserts the current plan once per new connection, ending in the tail at the safe share', async () => {
    const fixture = await insertCharger(db, { identity: 'DISP-10', connectorIds: [1] });
    const connectorRef = fixture.connectorRefs.get(1)!;
    // The only charger of a 20 A site: station maximum and connector share 20 A, below the planned 30 A, which
    // is above what the site allows, so the station maximum does not follow it (only one, 20 A, is sent).
    await db
      .update(schema.sites)
      .set({ limitL1A: 20, limitL2A: 20, limitL3A: 20 })
      .where(eq(schema.sites.id, fixture.siteId));
    const end = new Date(Date.now() + 3_600_000).toISOString();
    await db.insert(schema.connectorPlans).values({
      connectorRef,
      version: 1,
      periods: [{ start: new Date(Date.now() - 60_000).toISOString(), end, limitA: 30 }],
      plannedAt: new Date(),
      dispatchStatus: 'pending',
    });
    const first = await connect('DISP-10');
    await settled(connectorRef, 1);
    expect(first.receivedProfiles[0].csChargingProfiles).toMatchObject({
      chargingProfilePurpose: 'ChargePointMaxProfile',
      chargingSchedule: { chargingSchedulePeriod: [{ startPeriod: 0, limit: 20 }] },
    });
    const schedule = connectorProfiles(first)[0].csChargingProfiles.chargingSchedule;
    expect(schedule.chargingSchedulePeriod.map((p) => p.limit)).toEqual([30, 20]);
    expect(schedule.duration).toBeUndefined();
    expect(connectorProfiles(first)).toHaveLength(1);
    expect(first.receivedProfiles).toHaveLength(2);

    await first.close();
    await eventually(
      () => events.filter((e) => e.identity === 'DISP-10' && e.reason === 'disconnected').length === 1,
    );
    const again = await connect('DISP-10');
    const reasserted = await again.waitForProfile<ReceivedChargingProfile>(onConnector, 10_000);
    expect(reasserted.csChargingProfiles.chargingSchedule.chargingSchedulePeriod.map((p) => p.limit)).toEqual(
      [30, 20],
    );
    expect(again.triggeredMessages).toEqual(['StatusNotification']);
    await eventually(async () => (await reassertJobs(connectorRef)).length === 1);
    expect(connectorProfiles(again)).toHaveLength(1);
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'accepted', dispatchedVersion: 1 });
  });

  it('never sends an older version after a newer one when plans follow each other quickly', async () => {
    const connectorRef = await plannedConnector('DISP-11', 1, 10);
    const charger = await connect('DISP-11', { answerDelayMs: 150 });
    await announced('DISP-11');
    for (const [version, limitA] of [
      [2, 11],
      [3, 12],
    ]) {
      await dispatch.enqueue([raise(connectorRef, version - 1)]);
      await db
        .update(schema.connectorPlans)
        .set({ version, periods: periods(limitA), dispatchStatus: 'pending' })
        .where(eq(schema.connectorPlans.connectorRef, connectorRef));
    }
    await dispatch.enqueue([raise(connectorRef, 3)]);
    await settled(connectorRef, 3);
    const limits = connectorProfiles(charger).map(
      (p) => p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit,
    );
    expect(limits.at(-1)).toBe(12);
    expect([...limits].sort((a, b) => a - b)).toEqual(limits);
    expect(await planRow(connectorRef)).toMatchObject({ dispatchStatus: 'accepted', dispatchedVersion: 3 });
  });

  it('sends the raisings of a re-plan only once its lowerings have been answered', async () => {
    const lowered = await plannedConnector('DISP-12', 1, 16, 'accepted');
    const raised = await plannedConnector('DISP-13', 1, 16, 'accepted');
    const slow = await connect('DISP-12', { answerDelayMs: 300 });
    const other = await connect('DISP-13');
    await eventually(() => connectorProfiles(slow).length === 1 && connectorProfiles(other).length === 1);
    await eventually(async () => (await queue.getActiveCount()) === 0);
    for (const [connectorRef, limitA] of [
      [lowered, 8],
      [raised, 24],
    ] as const) {
      await db
        .update(schema.connectorPlans)
        .set({ version: 2, periods: periods(limitA), dispatchStatus: 'pending' })
        .where(eq(schema.connectorPlans.connectorRef, connectorRef));
    }
    const statusOfLoweredWhenRaisedArrives = other
      .waitForProfile<ReceivedChargingProfile>(
        (p) => onConnector(p) && p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit === 24,
        10_000,
      )
      .then(async () => (await planRow(lowered)).dispatchStatus);
    await dispatch.enqueue([raise(raised, 2), { connectorRef: lowered, version: 2, direction: 'lower' }]);
    expect(await statusOfLoweredWhenRaisedArrives).toBe('accepted');
    expect(connectorProfiles(slow)).toHaveLength(2);
  });

  it('reads the composite schedule back after an acceptance and records that it matches', async () => {
    const connectorRef = await plannedConnector('DISP-14', 1, 14);
    await connect('DISP-14');
    await settled(connectorRef, 1);
    expect(await planRow(connectorRef)).toMatchObject({
      dispatchStatus: 'accepted',
      verification: 'match',
    });
  });

  it('records a mismatch when a charger accepts a profile and applies something else', async () => {
    const connectorRef = await plannedConnector('DISP-15', 1, 14);
    const charger = await connect('DISP-15');
    charger.ignoresProfiles = true;
    await settled(connectorRef, 1);
    const row = await planRow(connectorRef);
    expect(row).toMatchObject({ dispatchStatus: 'accepted', verification: 'mismatch' });
    expect(row.verificationDetail).toMatch(/the charger applies 32 A, expected 14 A$/);
  });

  it('records an accepted GetCompositeSchedule without a schedule as unverifiable, not a match', async () => {
    const connectorRef = await plannedConnector('DISP-17', 1, 14);
    await connect('DISP-17', {}, '2.0.1', { emptyCompositeSchedule: true });
    await settled(connectorRef, 1);
    expect(await planRow(connectorRef)).toMatchObject({
      dispatchStatus: 'accepted',
      verification: 'unverifiable',
      verificationDetail: 'Charger accepted but returned no schedule',
    });
  });

  it('records a mismatch for a charger that accepts a profile but enforces it only later', async () => {
    const connectorRef = await plannedConnector('DISP-19', 1, 14);
    const charger = await connect('DISP-19', {}, '1.6', { profileApplyDelayMs: 60_000 });
    await settled(connectorRef, 1);
    expect(await planRow(connectorRef)).toMatchObject({
      dispatchStatus: 'accepted',
      verification: 'mismatch',
    });
    expect(charger.offeredCurrentA(1)).toBeNull();
  });

  it('keeps a short reason for a 2.0.1 station answering SetChargingProfile with NotImplemented', async () => {
    const connectorRef = await plannedConnector('DISP-18', 1, 16, 'pending', '2.0.1');
    await connect('DISP-18', {}, '2.0.1', { profileCallError: 'NotImplemented' });
    await announced('DISP-18');
    expect((await settled(connectorRef, 1)).state).toBe('failed');
    expect(await uncontrollableReason(connectorRef)).toBe('SetChargingProfile answered NotImplemented');
  });

  it('queues a plan again once it is idle and undelivered, but not while the queue has a backlog', async () => {
    const connectorRef = await plannedConnector('DISP-16', 1, 18, 'accepted');
    const charger = await connect('DISP-16');
    await eventually(() => connectorProfiles(charger).length === 1);
    await eventually(async () => (await queue.getActiveCount()) === 0);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await db
      .update(schema.connectorPlans)
      .set({
        version: 2,
        periods: periods(12),
        dispatchStatus: 'timeout',
        dispatchedVersion: 2,
        dispatchedAt: anHourAgo,
      })
      .where(eq(schema.connectorPlans.connectorRef, connectorRef));
    const janitor = app.get(DispatchJanitorProcessor);

    await queue.pause();
    await queue.add('set-charging-profile', { connectorRef: 'elsewhere', version: 1 }, { jobId: 'backlog' });
    await janitor.process();
    expect((await queue.getJobs(['waiting'])).map((job) => job.id)).toEqual(['backlog']);
    await queue.remove('backlog');
    await queue.resume();

    await janitor.process();
    await eventually(async () => (await planRow(connectorRef)).dispatchStatus === 'accepted');
    expect(
      connectorProfiles(charger).map(
        (p) => p.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit,
      ),
    ).toEqual([18, 12]);
  });

  async function reassertJobs(connectorRef: string) {
    const completed = await queue.getJobs(['completed']);
    return completed.filter((job) => job.id?.startsWith(`${dispatchJobId({ connectorRef, version: 1 })}.c`));
  }

  async function eventually(condition: () => boolean | Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await condition()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('condition not met');
  }
});
