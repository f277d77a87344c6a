import type { WireChargingProfile } from './accepted-profiles';
import type { SentBlock } from './dso-limits';
import { GridSafetyChecker } from './grid-safety-checker';
import type { SafetyCharger, SafetySite, SafetyWorld } from './safety-world';

const T0 = Date.parse('2026-12-07T00:00:00Z');
const S = 1_000;

let nextProfileId = 1;

/** A 1.6 SetChargingProfile with one period from `startMs` on (and a lower one from `lowerAt` if given). */
function profile(
  connectorId: number,
  purpose: string,
  limit: number,
  startMs = T0 - 3600 * S,
  lower?: { afterS: number; limit: number },
): WireChargingProfile {
  return {
    connectorId,
    csChargingProfiles: {
      chargingProfileId: nextProfileId++,
      stackLevel: purpose === 'TxProfile' ? 2 : 1,
      chargingProfilePurpose: purpose,
      chargingSchedule: {
        startSchedule: new Date(startMs).toISOString(),
        chargingRateUnit: 'A',
        chargingSchedulePeriod: [
          { startPeriod: 0, limit },
          ...(lower ? [{ startPeriod: lower.afterS, limit: lower.limit }] : []),
        ],
      },
    },
  };
}

function block(capacity: number, fromMs: number, toMs: number, phase = 'ALL'): SentBlock {
  return {
    capacity,
    phase,
    unit: 'A',
    start_time: new Date(fromMs).toISOString(),
    end_time: new Date(toMs).toISOString(),
  };
}

function site(overrides: Partial<SafetySite> = {}): SafetySite {
  return { id: 's', nominalVoltageV: 230, gridLimitA: [100, 100, 100], ...overrides };
}

function charger(identity: string, overrides: Partial<SafetyCharger> = {}): SafetyCharger {
  return {
    identity,
    siteId: 's',
    connectors: [{ connectorId: 1, phases: 3, maxCurrentA: 32 }],
    ...overrides,
  };
}

function world(sites: SafetySite[], chargers: SafetyCharger[], safeDefaultA = 0): SafetyWorld {
  return { sites, chargers, dso: { safeDefaultA } };
}

describe('GridSafetyChecker', () => {
  it('finds an overrun on one phase only, through the chargers phase rotations', () => {
    const checker = new GridSafetyChecker(
      world(
        [site({ gridLimitA: [32, 32, 32] })],
        [
          charger('a', { connectors: [{ connectorId: 1, phases: 1, maxCurrentA: 32 }] }),
          charger('b', {
            phaseRotation: ['L2', 'L3', 'L1'],
            connectors: [{ connectorId: 1, phases: 1, maxCurrentA: 32 }],
          }),
          charger('c', {
            phaseRotation: ['L3', 'L1', 'L2'],
            connectors: [{ connectorId: 1, phases: 1, maxCurrentA: 32 }],
          }),
        ],
      ),
    );
    checker.profileAnswered(T0, 'a', profile(1, 'TxDefaultProfile', 20), 'Accepted');
    checker.profileAnswered(T0, 'b', profile(1, 'TxDefaultProfile', 20), 'Accepted');
    checker.profileAnswered(T0, 'c', profile(1, 'TxDefaultProfile', 20), 'Accepted');
    // A fourth one-phase connector rotated onto L3 makes L3 40 A; L1 and L2 stay at 20 A.
    const d = new GridSafetyChecker(
      world(
        [site({ gridLimitA: [32, 32, 32] })],
        [
          charger('c', {
            phaseRotation: ['L3', 'L1', 'L2'],
            connectors: [{ connectorId: 1, phases: 1, maxCurrentA: 32 }],
          }),
          charger('e', {
            phaseRotation: ['L3', 'L2', 'L1'],
            connectors: [{ connectorId: 1, phases: 1, maxCurrentA: 32 }],
          }),
        ],
      ),
    );
    d.profileAnswered(T0, 'c', profile(1, 'TxDefaultProfile', 20), 'Accepted');
    d.profileAnswered(T0, 'e', profile(1, 'TxDefaultProfile', 20), 'Accepted');
    const report = d.report(T0 + 10 * S);
    expect(report.violations).toHaveLength(1);
    expect(report.violations[0]).toMatchObject({ node: 'site:s', phase: 'L3', sum: 40, limit: 32 });
    expect(checker.report(T0 + 10 * S).violations).toEqual([]);
    expect(checker.report(T0 + 10 * S).worstHeadroom.amps?.value).toBe(12);
  });

  it("judges a transformer's lines by the exact magnitude of line-to-line currents, where per-phase sums fit", () => {
    const evses = (['AB', 'BC', 'CA'] as const).map((lineToLine, i) => ({
      connectorId: i + 1,
      phases: 2 as const,
      lineToLine,
      maxCurrentA: 40,
    }));
    const judge = (limitA: number) => {
      const checker = new GridSafetyChecker(
        world(
          [
            site({
              nominalVoltageV: 120,
              gridLimitA: [200, 200, 200],
              transformer: { secondaryLineLimitA: 60 },
            }),
          ],
          // EVSEs whose maximum is the limit they accept: the sums are the same before and after.
          [charger('ll', { connectors: evses.map((evse) => ({ ...evse, maxCurrentA: limitA })) })],
        ),
      );
      for (const id of [1, 2, 3])
        checker.profileAnswered(T0, 'll', profile(id, 'TxDefaultProfile', limitA), 'Accepted');
      return checker.report(T0 + 10 * S);
    };
    // Balanced, each line carries √3 × 34 = 58.9 A; at 36 A it is 62.4 A, though each phase sums 72 A < 200 A.
    expect(judge(34).violations).toEqual([]);
    expect(judge(36).violations.map((v) => [v.phase, Math.round(v.sum * 10) / 10])).toEqual([
      ['transformer secondary a', 62.4],
      ['transformer secondary b', 62.4],
      ['transformer secondary c', 62.4],
    ]);
  });

  it("counts a line-to-line connector's reading on both lines of its pair", () => {
    const checker = new GridSafetyChecker(
      world(
        [site({ gridLimitA: [100, 10, 100] })],
        [charger('ll', { connectors: [{ connectorId: 1, phases: 2, lineToLine: 'AB', maxCurrentA: 32 }] })],
      ),
    );
    checker.profileAnswered(T0, 'll', profile(1, 'TxDefaultProfile', 8), 'Accepted');
    checker.draw(T0 + S, 'll', 1, [16, 0, 0]);
    const report = checker.report(T0 + 60 * S);
    expect(report.violations.map((v) => [v.kind, v.phase, v.sum])).toEqual([['drawn', 'L2', 16]]);
  });

  it('counts a one-phase EV on a three-phase connector on all three phases', () => {
    const checker = new GridSafetyChecker(world([site({ gridLimitA: [32, 32, 10] })], [charger('a')]));
    checker.profileAnswered(T0, 'a', profile(1, 'TxDefaultProfile', 16), 'Accepted');
    checker.draw(T0 + S, 'a', 1, [16, 0, 0]);
    const report = checker.report(T0 + 60 * S);
    expect(report.violations.map((v) => [v.kind, v.phase])).toEqual([['accepted', 'L3']]);
  });

  it('counts a connector without an accepted limit at its maximum, from its connection on', () => {
    const checker = new GridSafetyChecker(world([site({ gridLimitA: [20, 20, 20] })], [charger('a')]));
    checker.connected(T0, 'a');
    checker.profileAnswered(T0 + 5 * S, 'a', profile(1, 'TxDefaultProfile', 0), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    expect(report.violations).toHaveLength(3);
    expect(report.violations[0]).toMatchObject({
      startMs: T0 + 2 * S,
      endMs: T0 + 5 * S,
      sum: 32,
      limit: 20,
    });
  });

  it('gives each charger that connects unprotected its own grace, so a fleet booting at once is judged per charger', () => {
    const chargers = ['a', 'b', 'c', 'd'].map((id) => charger(id));
    const checker = new GridSafetyChecker(world([site({ gridLimitA: [40, 40, 40] })], chargers));
    ['a', 'b', 'c'].forEach((id, i) => checker.connected(T0 + i * 1.5 * S, id));
    ['a', 'b', 'c'].forEach((id, i) =>
      checker.profileAnswered(T0 + (i * 1.5 + 1.9) * S, id, profile(1, 'TxDefaultProfile', 10), 'Accepted'),
    );
    checker.connected(T0 + 10 * S, 'd');
    checker.profileAnswered(T0 + 11.5 * S, 'd', profile(1, 'TxDefaultProfile', 10), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    expect(report.violations).toHaveLength(0);
    const late = new GridSafetyChecker(world([site({ gridLimitA: [40, 40, 40] })], chargers));
    late.connected(T0, 'a');
    late.connected(T0, 'b');
    late.profileAnswered(T0 + S, 'a', profile(1, 'TxDefaultProfile', 10), 'Accepted');
    late.profileAnswered(T0 + 3 * S, 'b', profile(1, 'TxDefaultProfile', 10), 'Accepted');
    expect(late.report(T0 + 60 * S).violations).toEqual([
      expect.objectContaining({ phase: 'L1', startMs: T0 + 2 * S, endMs: T0 + 3 * S, sum: 42, limit: 40 }),
      expect.objectContaining({ phase: 'L2' }),
      expect.objectContaining({ phase: 'L3' }),
    ]);
  });

  it('takes the first limit a charger accepts within its connection grace as a lowering from its maximum, not a raise', () => {
    const chargers = ['a', 'b'].map((id) => charger(id));
    const checker = new GridSafetyChecker(world([site({ gridLimitA: [40, 40, 40] })], chargers));
    checker.connected(T0, 'a');
    checker.connected(T0, 'b');
    checker.profileAnswered(T0 + 0.5 * S, 'a', profile(0, 'ChargePointMaxProfile', 30), 'Accepted');
    checker.profileAnswered(T0 + 0.6 * S, 'b', profile(0, 'ChargePointMaxProfile', 30), 'Accepted');
    checker.profileAnswered(T0 + 1.5 * S, 'a', profile(1, 'TxDefaultProfile', 10), 'Accepted');
    checker.profileAnswered(T0 + 1.8 * S, 'b', profile(1, 'TxDefaultProfile', 10), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    expect(report.violations).toEqual([]);
    expect(report.overrunsWithinGrace).toBe(3);
  });

  it('caps a charger at its station maximum, over all its connectors', () => {
    const twoConnectors = charger('a', {
      connectors: [
        { connectorId: 1, phases: 3, maxCurrentA: 32 },
        { connectorId: 2, phases: 3, maxCurrentA: 32 },
      ],
    });
    const checker = new GridSafetyChecker(world([site({ gridLimitA: [20, 20, 20] })], [twoConnectors]));
    checker.profileAnswered(T0, 'a', profile(0, 'ChargePointMaxProfile', 16), 'Accepted');
    checker.profileAnswered(T0, 'a', profile(1, 'TxDefaultProfile', 16), 'Accepted');
    checker.profileAnswered(T0, 'a', profile(2, 'TxDefaultProfile', 16), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    expect(report.violations).toEqual([]);
    expect(report.worstHeadroom.amps?.value).toBe(4);
  });

  it('takes the TxProfile over the TxDefaultProfile until its transaction ends, and gives a raise no grace', () => {
    const checker = new GridSafetyChecker(world([site({ gridLimitA: [20, 20, 20] })], [charger('a')]));
    checker.profileAnswered(T0, 'a', profile(1, 'TxDefaultProfile', 10), 'Accepted');
    checker.transaction(T0 + S, 'a', 1, true);
    checker.profileAnswered(T0 + 2 * S, 'a', profile(1, 'TxProfile', 30), 'Accepted');
    checker.transaction(T0 + 3 * S, 'a', 1, false);
    const report = checker.report(T0 + 60 * S);
    expect(report.violations.map((v) => [v.startMs - T0, v.endMs - T0])).toEqual([
      [2 * S, 3 * S],
      [2 * S, 3 * S],
      [2 * S, 3 * S],
    ]);
  });

  it('counts a refusing charger at its maximum, and reports what unsteered load alone overruns as unavoidable', () => {
    const checker = new GridSafetyChecker(
      world(
        [site({ gridLimitA: [40, 40, 40], baseLoadA: [10, 10, 10] })],
        [charger('steered'), charger('refusing')],
      ),
    );
    checker.profileAnswered(T0, 'steered', profile(1, 'TxDefaultProfile', 0), 'Accepted');
    checker.profileAnswered(T0, 'refusing', profile(1, 'TxDefaultProfile', 0), 'Rejected');
    const report = checker.report(T0 + 60 * S);
    expect(report.violations).toEqual([]);
    expect(report.unavoidable.map((u) => [u.node, u.phase, u.unsteered, u.limit])).toEqual([
      ['site:s', 'L1', 42, 40],
      ['site:s', 'L2', 42, 40],
      ['site:s', 'L3', 42, 40],
    ]);
    expect(report.pushes.refusals).toBe(1);
  });

  it('gives a lowering the DSO announces now the grace to accept it, and measures that latency', () => {
    const checker = new GridSafetyChecker(world([site({ groupId: 'g' })], [charger('a'), charger('b')]));
    checker.forecast(T0, 'g', 'CONSUMPTION', [block(64, T0, T0 + 3600 * S)]);
    checker.profileAnswered(T0 + S, 'a', profile(1, 'TxDefaultProfile', 32), 'Accepted');
    checker.profileAnswered(T0 + S, 'b', profile(1, 'TxDefaultProfile', 32), 'Accepted');
    checker.forecast(T0 + 10 * S, 'g', 'CONSUMPTION', [block(32, T0 + 10 * S, T0 + 3600 * S)]);
    checker.profileAnswered(T0 + 10_500, 'a', profile(1, 'TxDefaultProfile', 16), 'Accepted');
    checker.profileAnswered(T0 + 11_500, 'b', profile(1, 'TxDefaultProfile', 16), 'Accepted');
    // A second lowering, accepted too late.
    checker.forecast(T0 + 20 * S, 'g', 'CONSUMPTION', [block(16, T0 + 20 * S, T0 + 3600 * S)]);
    checker.profileAnswered(T0 + 21 * S, 'a', profile(1, 'TxDefaultProfile', 8), 'Accepted');
    checker.profileAnswered(T0 + 25 * S, 'b', profile(1, 'TxDefaultProfile', 8), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    expect(report.lowerings).toMatchObject({ count: 2, unresolved: 0 });
    expect(report.lowerings.latencyMs).toMatchObject({ p50: 1500, max: 5000 });
    expect(report.overrunsWithinGrace).toBe(3);
    expect(report.violations).toHaveLength(3);
    expect(report.violations[0]).toMatchObject({ node: 'group:g', startMs: T0 + 20 * S, endMs: T0 + 25 * S });
  });

  it('gives no grace at a boundary announced long before, unless the accepted schedules already lower there', () => {
    const boundary = T0 + 600 * S;
    const run = (scheduled: boolean) => {
      const checker = new GridSafetyChecker(world([site({ groupId: 'g' })], [charger('a')]));
      checker.forecast(T0, 'g', 'CONSUMPTION', [block(32, T0, boundary), block(10, boundary, T0 + 3600 * S)]);
      const lower = scheduled ? { afterS: 600, limit: 10 } : undefined;
      checker.profileAnswered(T0 + S, 'a', profile(1, 'TxDefaultProfile', 32, T0, lower), 'Accepted');
      if (!scheduled)
        checker.profileAnswered(boundary + 500, 'a', profile(1, 'TxDefaultProfile', 10), 'Accepted');
      return checker.report(T0 + 3000 * S);
    };
    const ahead = run(true);
    expect(ahead.violations).toEqual([]);
    expect(ahead.lowerings.latencyMs).toMatchObject({ count: 1, max: 0 });
    const late = run(false);
    expect(late.violations).toHaveLength(3);
    expect(late.violations[0]).toMatchObject({
      startMs: boundary,
      deadlineMs: boundary,
      endMs: boundary + 500,
    });
  });

  it('lowers to the fallback when the DSO heartbeat promise lapses, with the grace to accept it', () => {
    const checker = new GridSafetyChecker(world([site({ groupId: 'g' })], [charger('a')]));
    checker.forecast(T0, 'g', 'CONSUMPTION', [block(32, T0, T0 + 3600 * S)]);
    checker.forecast(T0, 'g', 'FALLBACK_CONSUMPTION', [block(8, T0, T0 + 3600 * S)]);
    checker.heartbeat(T0, T0 + 30 * S);
    checker.profileAnswered(T0 + S, 'a', profile(1, 'TxDefaultProfile', 32), 'Accepted');
    checker.profileAnswered(T0 + 31 * S, 'a', profile(1, 'TxDefaultProfile', 8), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    expect(report.violations).toEqual([]);
    expect(report.lowerings.latencyMs).toMatchObject({ count: 1, max: 31 * S - (30 * S + 1) });
  });

  it('checks measured draws with a noise tolerance and a longer grace', () => {
    const checker = new GridSafetyChecker(
      world([site({ gridLimitA: [20, 20, 20] })], [charger('a', { smartChargingExcluded: false })]),
      { drawGraceMs: 5_000, drawToleranceA: 0.5 },
    );
    checker.profileAnswered(T0, 'a', profile(1, 'TxDefaultProfile', 20), 'Accepted');
    checker.draw(T0 + S, 'a', 1, [20.4, 20, 20]);
    checker.draw(T0 + 2 * S, 'a', 1, [25, 20, 20]);
    checker.draw(T0 + 4 * S, 'a', 1, [20, 20, 20]);
    checker.draw(T0 + 10 * S, 'a', 1, [25, 20, 20]);
    checker.draw(T0 + 20 * S, 'a', 1, [20, 20, 20]);
    const report = checker.report(T0 + 60 * S);
    expect(report.violations.map((v) => [v.kind, v.phase, v.startMs - T0, v.endMs - T0])).toEqual([
      ['drawn', 'L1', 10 * S, 20 * S],
    ]);
  });

  it('checks circuits and a site total power limit', () => {
    const checker = new GridSafetyChecker(
      world(
        [
          site({
            totalLimitKw: 20,
            circuits: [{ id: 'c1', limitA: [16, 16, 16] }],
          }),
        ],
        [charger('a', { circuitId: 'c1' }), charger('b')],
      ),
    );
    checker.profileAnswered(T0, 'a', profile(1, 'TxDefaultProfile', 16), 'Accepted');
    checker.profileAnswered(T0, 'b', profile(1, 'TxDefaultProfile', 16), 'Accepted');
    checker.profileAnswered(T0 + 10 * S, 'a', profile(1, 'TxDefaultProfile', 20), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    const nodes = report.violations.map((v) => `${v.node} ${v.phase} ${v.unit} ${v.startMs - T0}`);
    expect(nodes).toEqual([
      'site:s total W 0',
      'circuit:s/c1 L1 A 10000',
      'circuit:s/c1 L2 A 10000',
      'circuit:s/c1 L3 A 10000',
    ]);
  });

  it('names the chargers that count most in a violation', () => {
    const checker = new GridSafetyChecker(
      world([site({ gridLimitA: [40, 40, 40] })], [charger('a'), charger('b'), charger('c')]),
    );
    checker.profileAnswered(T0, 'a', profile(1, 'TxDefaultProfile', 20), 'Accepted');
    checker.profileAnswered(T0, 'b', profile(1, 'TxDefaultProfile', 6), 'Accepted');
    checker.profileAnswered(T0, 'c', profile(1, 'TxDefaultProfile', 16), 'Rejected');
    const [violation] = checker.report(T0 + 60 * S).violations;
    expect(violation.contributors).toEqual(['c* 32 A', 'a 20 A', 'b 6 A']);
  });

  it('leaves a group unconstrained until the DSO sends something for it', () => {
    const checker = new GridSafetyChecker(world([site({ groupId: 'g' })], [charger('a')]));
    checker.profileAnswered(T0, 'a', profile(1, 'TxDefaultProfile', 32), 'Accepted');
    checker.forecast(T0 + 10 * S, 'g', 'CONSUMPTION', [block(16, T0, T0 + 3600 * S)]);
    checker.profileAnswered(T0 + 11 * S, 'a', profile(1, 'TxDefaultProfile', 16), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    expect(report.violations).toEqual([]);
    expect(report.lowerings.latencyMs).toMatchObject({ count: 1, max: S });
  });

  it('converts a W limit over numberPhases, three when absent', () => {
    const checker = new GridSafetyChecker(world([site({ gridLimitA: [15, 15, 15] })], [charger('a')]));
    const watts = (limit: number, numberPhases?: number): WireChargingProfile => ({
      connectorId: 1,
      csChargingProfiles: {
        chargingProfileId: nextProfileId++,
        stackLevel: 1,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingSchedule: {
          chargingRateUnit: 'W',
          chargingSchedulePeriod: [{ startPeriod: 0, limit, ...(numberPhases && { numberPhases }) }],
        },
      },
    });
    checker.profileAnswered(T0, 'a', watts(3 * 230 * 14), 'Accepted');
    checker.profileAnswered(T0 + 10 * S, 'a', watts(230 * 14 * 3, 1), 'Accepted');
    const report = checker.report(T0 + 60 * S);
    expect(report.violations.map((v) => [v.startMs - T0, v.sum])).toEqual([
      [10 * S, 32],
      [10 * S, 32],
      [10 * S, 32],
    ]);
  });

  it('counts pushes per connector per hour', () => {
    const checker = new GridSafetyChecker(world([site()], [charger('a'), charger('b')]));
    for (let i = 0; i < 6; i++)
      checker.profileAnswered(T0 + i * S, 'a', profile(1, 'TxDefaultProfile', 10), 'Accepted');
    checker.profileAnswered(T0, 'a', profile(0, 'ChargePointMaxProfile', 32), 'Accepted');
    checker.profileAnswered(T0, 'b', profile(1, 'TxDefaultProfile', 10), 'Accepted');
    const { pushes } = checker.report(T0 + 1800 * S);
    expect(pushes).toMatchObject({ connectorProfiles: 7, stationProfiles: 1, connectors: 2, hours: 0.5 });
    expect(pushes.perConnectorPerHour).toBe(7);
    expect(pushes.maxPerConnectorPerHour).toBe(12);
  });
});
