import { SimulatedCharger, SimulatedEv } from '@gridflex/simulator';
import { startController, TestController, waitFor } from './test-controller';

/** A 1.6 or 2.0.1 SetChargingProfile as the simulated charger received it. */
type Received = {
  connectorId?: number;
  evseId?: number;
  csChargingProfiles?: { chargingProfilePurpose: string; chargingSchedule: Schedule };
  chargingProfile?: { chargingProfilePurpose: string; chargingSchedule: Schedule[] };
};
type Schedule = {
  chargingRateUnit: string;
  chargingSchedulePeriod: { limit: number; numberPhases?: number }[];
};

const connectorOf = (p: Received) => p.evseId ?? p.connectorId;
const purposeOf = (p: Received) =>
  p.chargingProfile?.chargingProfilePurpose ?? p.csChargingProfiles?.chargingProfilePurpose;
const scheduleOf = (p: Received) =>
  p.chargingProfile?.chargingSchedule[0] ?? p.csChargingProfiles!.chargingSchedule;
const limitsOf = (p: Received) => scheduleOf(p).chargingSchedulePeriod.map((period) => period.limit);
const profile = (connector: number, purpose: string, limits: number[]) => (p: Received) =>
  connectorOf(p) === connector && purposeOf(p) === purpose && limitsOf(p).join() === limits.join();

/** The first matching profile the charger receives from now on (an earlier one does not count). */
function nextProfile(simulated: SimulatedCharger, predicate: (p: Received) => boolean): Promise<Received> {
  const from = simulated.receivedProfiles.length;
  return simulated.waitForProfile(
    (p: Received) => simulated.receivedProfiles.indexOf(p as never) >= from && predicate(p),
    20_000,
  );
}

const THREE_PHASES: SimulatedEv['phases'] = [true, true, true];
const PROFILE_WAIT_MS = 20_000;

describe('what chargers tell the controller shapes the plan, and the physical result matches it', () => {
  let controller: TestController;
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    // Every charger here boots as it connects: it is protected once, right after its Boot.
    controller = await startController({ OCPP_BOOT_WAIT_MS: 60_000 });
  });

  afterAll(async () => {
    await Promise.all(chargers.map((charger) => charger.close()));
    await controller?.app.close();
  });

  async function site(name: string, limitA: number): Promise<string> {
    const { body } = await controller.admin
      .post('/api/v1/sites', {
        name,
        nominalVoltageV: 230,
        gridLimitA: { l1: limitA, l2: limitA, l3: limitA },
      })
      .expect(201);
    return body.id as string;
  }

  interface ChargerOptions {
    ocppVersion?: '1.6' | '2.0.1';
    connectors?: { connectorId: number; maxCurrentA: number; phases: 1 | 3 }[];
    phaseRotation?: string[];
    capabilities?: ConstructorParameters<typeof SimulatedCharger>[0]['capabilities'];
  }

  async function register(siteId: string, identity: string, options: ChargerOptions = {}): Promise<void> {
    await controller.admin
      .post(`/api/v1/sites/${siteId}/chargers`, {
        identity,
        ocppVersion: options.ocppVersion ?? '1.6',
        connectors: options.connectors ?? [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
        ...(options.phaseRotation && { phaseRotation: options.phaseRotation }),
      })
      .expect(201);
  }

  async function connect(identity: string, options: ChargerOptions = {}): Promise<SimulatedCharger> {
    const simulated = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity,
      ocppVersion: options.ocppVersion ?? '1.6',
      connectorCount: options.connectors?.length ?? 1,
      ...(options.capabilities && { capabilities: options.capabilities }),
    });
    chargers.push(simulated);
    await simulated.connect();
    await simulated.boot();
    return simulated;
  }

  async function charger(siteId: string, identity: string, options: ChargerOptions = {}) {
    await register(siteId, identity, options);
    return connect(identity, options);
  }

  /** A 1.6 session on connector 1: the EV plugged in and its transaction started. */
  async function startSession16(simulated: SimulatedCharger): Promise<number> {
    await simulated.statusNotification(1, 'Charging');
    return simulated.startTransaction(1, 'TAG', 0);
  }

  async function connectorView(siteId: string, identity: string) {
    const { body } = await controller.admin.get(`/api/v1/sites/${siteId}`).expect(200);
    const found = (body.chargers as { identity: string; connectors: Record<string, unknown>[] }[]).find(
      (c) => c.identity === identity,
    );
    return found!.connectors[0];
  }

  it('NotifyChargingLimit lowers the plan to the external limit, and ClearedChargingLimit lifts it', async () => {
    const siteId = await site('External limits', 63);
    const station = await charger(siteId, 'CS-EXT', { ocppVersion: '2.0.1' });
    await station.transactionEvent('Started', {
      transactionId: 'ext-1',
      evseId: 1,
      idToken: 'TOKEN',
      chargingState: 'Charging',
    });
    await station.statusNotification(1, 'Occupied');
    await station.waitForProfile(profile(1, 'TxProfile', [32]), PROFILE_WAIT_MS);

    // The station's EMS limits EVSE 1 to 10 A: the plan follows, so the EV draws what is planned.
    await station.notifyChargingLimit(1, 'EMS', { limit: 10, isGridCritical: true });
    await station.waitForProfile(profile(1, 'TxProfile', [10]), PROFILE_WAIT_MS);
    const ev: SimulatedEv = { maxCurrentA: 32, phases: THREE_PHASES };
    expect(await station.drawOffered(1, ev)).toBe(10);

    const lifted = nextProfile(station, profile(1, 'TxProfile', [32]));
    await station.clearedChargingLimit(1, 'EMS');
    await lifted;

    // A station-wide limit in W (5 520 W = 8 A × 230 V × 3 phases) bounds the whole station the same way.
    await station.notifyChargingLimit(0, 'SO', { limit: 5520, chargingRateUnit: 'W' });
    await station.waitForProfile(profile(1, 'TxProfile', [8]), PROFILE_WAIT_MS);
    expect(await station.drawOffered(1, ev)).toBe(8);

    const liftedAgain = nextProfile(station, profile(1, 'TxProfile', [32]));
    await station.clearedChargingLimit(0, 'SO');
    await liftedAgain;
    expect(await station.drawOffered(1, ev)).toBe(32);
  });

  it('learns that an EV draws on one phase, yet keeps it reserved on all three and pushes nothing for it', async () => {
    const siteId = await site('Single-phase EV', 32);
    // A three-phase charger and a single-phase one wired to grid L2: both share L2.
    const threePhase = await charger(siteId, 'CP-3PH');
    const onL2 = await charger(siteId, 'CP-L2', {
      connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 1 }],
      phaseRotation: ['L2', 'L3', 'L1'],
    });
    const transactionId = await startSession16(threePhase);
    await startSession16(onL2);
    await threePhase.waitForProfile(profile(1, 'TxProfile', [16]), PROFILE_WAIT_MS);
    await onL2.waitForProfile(profile(1, 'TxProfile', [16]), PROFILE_WAIT_MS);
    const txProfiles = (simulated: SimulatedCharger) =>
      (simulated.receivedProfiles as Received[]).filter((p) => purposeOf(p) === 'TxProfile').length;
    const before = [txProfiles(threePhase), txProfiles(onL2)];

    // The first EV draws its 16 A on the charger's L1 alone for a minute (three readings), and says its SoC.
    const now = Date.now();
    for (const secondsAgo of [60, 30, 0]) {
      await threePhase.meterValues(
        1,
        { currentA: [16, 0.2, 0], offeredCurrentA: 16, socPercent: 37, transactionId },
        new Date(now - secondsAgo * 1000),
      );
    }
    const view = await waitFor(async () => {
      const connector = await connectorView(siteId, 'CP-3PH');
      return connector.phasesInUse === 1 ? connector : undefined;
    });
    expect(view).toMatchObject({ phases: 3, socPercent: 37, measuredCurrentA: [16, 0.2, 0] });

    // It may switch to three phases at any moment, and an A limit applies to each: both keep 16 A on L2.
    const singlePhaseEv: SimulatedEv = { maxCurrentA: 32, phases: [true, false, false] };
    expect(await threePhase.drawOffered(1, singlePhaseEv)).toBe(16);
    expect(await onL2.drawOffered(1, { maxCurrentA: 32, phases: [true, false, false] })).toBe(16);
    expect([txProfiles(threePhase), txProfiles(onL2)]).toEqual(before);

    // The session ends: what its EV showed is forgotten.
    await threePhase.stopTransaction(transactionId, 1000);
    await waitFor(async () =>
      (await connectorView(siteId, 'CP-3PH')).phasesInUse === null ? true : undefined,
    );
  });

  it('sends a DC station its profiles in W without numberPhases', async () => {
    const siteId = await site('DC', 63);
    const station = await charger(siteId, 'CS-DC', {
      ocppVersion: '2.0.1',
      capabilities: {
        smartCharging: true,
        rateUnits: ['A', 'W'],
        maxPeriods: 24,
        maxStackLevel: 8,
        supplyPhases: 0,
      },
    });
    // Sent in A before discovery has told that the station is DC, then again in W.
    const stationMax = await station.waitForProfile(
      (p: Received) => connectorOf(p) === 0 && scheduleOf(p).chargingRateUnit === 'W',
      PROFILE_WAIT_MS,
    );
    // The only charger of a 63 A site, at most its connector's 32 A: 32 × 230 V × 3 phases.
    expect(scheduleOf(stationMax)).toMatchObject({
      chargingRateUnit: 'W',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 22_080 }],
    });
    await station.transactionEvent('Started', {
      transactionId: 'dc-1',
      evseId: 1,
      chargingState: 'Charging',
    });
    await station.statusNotification(1, 'Occupied');
    const txProfile = await station.waitForProfile(profile(1, 'TxProfile', [22_080]), PROFILE_WAIT_MS);
    expect(scheduleOf(txProfile).chargingRateUnit).toBe('W');
    expect(scheduleOf(txProfile).chargingSchedulePeriod.every((p) => p.numberPhases === undefined)).toBe(
      true,
    );
    expect(station.offeredCurrentA(1)).toBeCloseTo(32, 5);
  });

  it('lets a lone EV at a site of four chargers draw its planned 32 A, not the 20 A safe share', async () => {
    const siteId = await site('Four chargers', 80);
    const identities = ['CP-LONE-1', 'CP-LONE-2', 'CP-LONE-3', 'CP-LONE-4'];
    for (const identity of identities) await register(siteId, identity);
    const fleet: SimulatedCharger[] = [];
    for (const identity of identities) fleet.push(await connect(identity));
    const [lone, second] = fleet;
    const stationMaxima = (simulated: SimulatedCharger) =>
      (simulated.receivedProfiles as Received[]).filter((p) => connectorOf(p) === 0).map(limitsOf);
    for (const simulated of fleet) {
      await waitFor(() => Promise.resolve(stationMaxima(simulated).length > 0 ? true : undefined));
      expect(stationMaxima(simulated)[0]).toEqual([20]);
    }

    await startSession16(lone);
    // 32 A while the controller renews the plan, then the 20 A safe share should it lose us.
    await lone.waitForProfile(profile(1, 'TxProfile', [32, 20]), PROFILE_WAIT_MS);
    // The station maximum was raised to the plan before the TxProfile went out, and falls back with it.
    expect(stationMaxima(lone).at(-1)).toEqual([32, 20]);
    const ev: SimulatedEv = { maxCurrentA: 32, phases: THREE_PHASES };
    expect(await lone.drawOffered(1, ev)).toBe(32);
    const view = await waitFor(async () => {
      const connector = await connectorView(siteId, 'CP-LONE-1');
      return (connector.measuredCurrentA as number[] | null)?.[0] === 32 ? connector : undefined;
    });
    expect(view).toMatchObject({ measuredCurrentA: [32, 32, 32], offeredCurrentA: 32 });

    // A second EV: 32 A each still fits the site's 80 A; a third shares it, and every charger's maximum follows.
    await startSession16(second);
    await second.waitForProfile(profile(1, 'TxProfile', [32, 20]), PROFILE_WAIT_MS);
    expect(await second.drawOffered(1, ev)).toBe(32);
    await startSession16(fleet[2]);
    await fleet[2].waitForProfile(profile(1, 'TxProfile', [26.6, 20]), PROFILE_WAIT_MS);
    await lone.waitForProfile(profile(1, 'TxProfile', [26.6, 20]), PROFILE_WAIT_MS);
    await waitFor(() => Promise.resolve(stationMaxima(lone).at(-1)?.join() === '26.6,20' ? true : undefined));
    const drawn = await Promise.all(fleet.slice(0, 3).map((simulated) => simulated.drawOffered(1, ev)));
    expect(drawn).toEqual([26.6, 26.6, 26.6]);
    expect(drawn.reduce((sum, amps) => sum + amps, 0)).toBeLessThanOrEqual(80);
    // The idle fourth charger never needed more than its safe share.
    expect(stationMaxima(fleet[3])).toEqual([[20]]);
  });
});
