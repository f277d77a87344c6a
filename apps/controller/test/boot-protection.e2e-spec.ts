import { SimulatedCharger, SimulatedChargerOptions } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

/** A SetChargingProfile request as a 1.6 charger or a 2.0.1 station receives it. */
type AnyProfile = {
  connectorId?: number;
  evseId?: number;
  csChargingProfiles?: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingRateUnit: string };
  };
  chargingProfile?: {
    chargingProfilePurpose: string;
    chargingSchedule: { chargingRateUnit: string }[];
  };
};

const purposeOf = (p: AnyProfile) =>
  (p.csChargingProfiles ?? p.chargingProfile)?.chargingProfilePurpose ?? '';
const rateUnitOf = (p: AnyProfile) =>
  p.csChargingProfiles?.chargingSchedule.chargingRateUnit ??
  p.chargingProfile?.chargingSchedule[0].chargingRateUnit;
const isStationMax = (p: AnyProfile) => purposeOf(p).endsWith('MaxProfile');
const isConnectorProfile = (p: AnyProfile) => (p.connectorId ?? p.evseId ?? 0) > 0;
/** The index of the first profile received from `from` on that matches. */
const indexFrom = (charger: SimulatedCharger, from: number, matches: (p: AnyProfile) => boolean) =>
  (charger.receivedProfiles as AnyProfile[]).findIndex((p, index) => index >= from && matches(p));
const profileAfter = (charger: SimulatedCharger, from: number, matches: (p: AnyProfile) => boolean) =>
  charger.waitForProfile<AnyProfile>(
    (p) => (charger.receivedProfiles as AnyProfile[]).indexOf(p) >= from && matches(p),
    30_000,
  );

/**
 * Real chargers answer nothing until their Boot is accepted (OCPP 1.6 §4.2, 2.0.1 B01–B03). The controller
 * runs with a 60 s call timeout, pre-Boot calls included: were protection to wait for a call that went
 * unanswered before a Boot, these tests would wait for it and fail, since each waits at most 30 s.
 */
describe('protection right after Boot, or at once on a reconnect without Boot', () => {
  let controller: TestController;
  let siteId: string;
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    controller = await startController({
      OCPP_CALL_TIMEOUT_MS: 60_000,
      OCPP_PRE_BOOT_CALL_TIMEOUT_MS: 60_000,
      OCPP_BOOT_WAIT_MS: 60_000,
    });
    const site = await controller.admin
      .post('/api/v1/sites', { name: 'Depot', nominalVoltageV: 230, gridLimitA: { l1: 40, l2: 40, l3: 40 } })
      .expect(201);
    siteId = site.body.id;
  });

  afterAll(async () => {
    await Promise.all(chargers.map((charger) => charger.close()));
    await controller?.app.close();
  });

  async function connect(
    identity: string,
    ocppVersion: '1.6' | '2.0.1',
    options: Partial<SimulatedChargerOptions> = {},
  ): Promise<SimulatedCharger> {
    const charger = await connectCharger(controller, identity, { ocppVersion, ...options });
    chargers.push(charger);
    return charger;
  }

  const chargerView = async (identity: string) => {
    const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
    return (body as { identity: string; connected: boolean }[]).find((c) => c.identity === identity);
  };

  /** The connector's latest plan, once the charger has accepted it. */
  const acceptedPlan = (identity: string) =>
    waitFor(async () => {
      const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/plan`).expect(200);
      const connector = (
        body.connectors as {
          chargerIdentity: string;
          version: number;
          dispatch: { status: string; version: number };
        }[]
      ).find((c) => c.chargerIdentity === identity);
      return connector?.dispatch.status === 'accepted' && connector.dispatch.version === connector.version
        ? connector
        : undefined;
    });

  it.each(['1.6', '2.0.1'] as const)(
    'sends a %s station that answers nothing before its Boot nothing until the Boot, then its station maximum and its connector default',
    async (ocppVersion) => {
      const identity = `SILENT-${ocppVersion}`;
      await registerCharger(controller, siteId, identity, { ocppVersion });
      const charger = await connect(identity, ocppVersion, { silentUntilBoot: true });
      await waitFor(async () => ((await chargerView(identity))?.connected ? true : undefined));

      await expect(charger.boot()).resolves.toMatchObject({ status: 'Accepted' });
      await profileAfter(charger, 0, isConnectorProfile);
      await acceptedPlan(identity);
      expect(charger.receivedCalls.filter((call) => call.beforeBoot)).toEqual([]);
      expect(charger.receivedCalls[0].action).toBe('SetChargingProfile');
      expect(isStationMax(charger.receivedProfiles[0] as AnyProfile)).toBe(true);
      expect(indexFrom(charger, 0, isConnectorProfile)).toBeGreaterThan(0);
      expect(charger.offeredCurrentA(1)).not.toBeNull();
    },
  );

  it('protects a charger that reconnects without booting at once, and again after a Boot that abandons what was asked before', async () => {
    const identity = 'RECONNECTS';
    await registerCharger(controller, siteId, identity);
    const charger = await connect(identity, '1.6', { silentUntilBoot: true });
    await charger.boot();
    await profileAfter(charger, 0, isConnectorProfile);

    // The network drops: the charger is back without booting and, having booted, answers at once.
    const beforeDrop = charger.receivedProfiles.length;
    await charger.reconnect();
    await profileAfter(charger, beforeDrop, isStationMax);
    await profileAfter(charger, beforeDrop, isConnectorProfile);
    expect(indexFrom(charger, beforeDrop, isStationMax)).toBeLessThan(
      indexFrom(charger, beforeDrop, isConnectorProfile),
    );
    expect(charger.receivedCalls.filter((call) => call.ignored)).toEqual([]);

    // It restarts: it loses its profiles and answers nothing until its Boot is accepted. The controller,
    // having accepted a Boot of it before, takes it for a reconnect and sends it its station maximum at once;
    // that goes unanswered (for up to a minute), and the Boot abandons it.
    const beforeReboot = charger.receivedCalls.length;
    const profilesBeforeReboot = charger.receivedProfiles.length;
    await charger.reboot(() =>
      waitFor(() => Promise.resolve(charger.receivedCalls.length > beforeReboot ? true : undefined)),
    );
    await profileAfter(charger, profilesBeforeReboot, isConnectorProfile);
    const sinceReboot = charger.receivedCalls.slice(beforeReboot);
    expect(sinceReboot.filter((call) => call.beforeBoot)).toEqual([
      { action: 'SetChargingProfile', beforeBoot: true, ignored: true },
    ]);
    const answered = sinceReboot.filter((call) => !call.ignored);
    expect(answered[0]).toEqual({ action: 'SetChargingProfile', beforeBoot: false, ignored: false });
    // Ignored requests are not applied, so the first profile the rebooted charger took is its station maximum.
    expect(indexFrom(charger, profilesBeforeReboot, isStationMax)).toBe(profilesBeforeReboot);
    expect(charger.offeredCurrentA(1)).not.toBeNull();
  });

  it('protects a charger that reboots mid-session again: station maximum, then the TxProfile of its session', async () => {
    const identity = 'REBOOTS';
    await registerCharger(controller, siteId, identity);
    const charger = await connect(identity, '1.6', { silentUntilBoot: true });
    await charger.boot();
    await charger.startTransaction(1, 'TAG-REBOOT', 0);
    await profileAfter(charger, 0, (p) => purposeOf(p) === 'TxProfile');
    expect(charger.offeredCurrentA(1)).not.toBeNull();

    const before = charger.receivedProfiles.length;
    const callsBefore = charger.receivedCalls.length;
    await charger.reboot(() =>
      waitFor(() => Promise.resolve(charger.receivedCalls.length > callsBefore ? true : undefined)),
    );
    // Lost with the reboot, until the controller sends them again.
    const txAgain = await profileAfter(charger, before, (p) => purposeOf(p) === 'TxProfile');
    const stationMaxAgain = indexFrom(charger, before, (p) => isStationMax(p) && rateUnitOf(p) === 'A');
    expect(stationMaxAgain).toBeGreaterThanOrEqual(before);
    expect(stationMaxAgain).toBeLessThan((charger.receivedProfiles as AnyProfile[]).indexOf(txAgain));
    expect(charger.offeredCurrentA(1)).not.toBeNull();
  });
});

describe('capability discovery that goes unanswered at first', () => {
  let controller: TestController;
  let charger: SimulatedCharger | undefined;

  afterAll(async () => {
    await charger?.close();
    await controller?.app.close();
  });

  it('is asked again, and the capabilities it then reports are used: the profiles are sent again in W', async () => {
    controller = await startController({ OCPP_CALL_TIMEOUT_MS: 2_000, OCPP_BOOT_WAIT_MS: 60_000 });
    const site = await controller.admin
      .post('/api/v1/sites', { name: 'Depot', nominalVoltageV: 230, gridLimitA: { l1: 40, l2: 40, l3: 40 } })
      .expect(201);
    const siteId: string = site.body.id;
    await registerCharger(controller, siteId, 'SLOW-DISCOVERY');
    charger = await connectCharger(controller, 'SLOW-DISCOVERY', {
      capabilities: { smartCharging: true, rateUnits: ['W'], maxPeriods: 4, maxStackLevel: 1 },
      unansweredCalls: { GetConfiguration: 1 },
    });
    await charger.boot();

    // Protected before anything is known of it, on the safe assumptions: A, which this W-only charger refuses.
    await profileAfter(charger, 0, (p) => isStationMax(p) && rateUnitOf(p) === 'A');
    // Discovery times out, is asked again and answered: the station maximum and the plan follow in W.
    await profileAfter(charger, 0, (p) => isStationMax(p) && rateUnitOf(p) === 'W');
    await profileAfter(charger, 0, (p) => isConnectorProfile(p) && rateUnitOf(p) === 'W');
    expect(charger.receivedCalls.filter((call) => call.action === 'GetConfiguration')).toEqual([
      { action: 'GetConfiguration', beforeBoot: false, ignored: true },
      { action: 'GetConfiguration', beforeBoot: false, ignored: false },
    ]);
    const shown = await waitFor(async () => {
      const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
      const capabilities = body[0]?.capabilities;
      return capabilities?.stationMaxProfile?.status === 'Accepted' ? capabilities : undefined;
    });
    expect(shown).toMatchObject({ rateUnits: ['W'], maxPeriods: 4 });
  });
});
