import { allocate } from '@gridflex/optimizer';
import type { SiteRow } from '@gridflex/sites';
import { explainAllocations } from './explanations';
import { buildAllocationInput, horizonBlocks, planAllocations, splitHorizon } from './plan-builder';
import type { PlanningConnector } from './planning.repository';
import { toSiteCapacity } from './site-capacity';

const now = new Date('2026-03-01T10:00:00.000Z');

function site(overrides: Partial<SiteRow>): SiteRow {
  return {
    id: 's1',
    name: 'Depot',
    groupId: null,
    nominalVoltageV: 230,
    lineToLineVoltageV: null,
    transformer: null,
    limitL1A: 63,
    limitL2A: 63,
    limitL3A: 63,
    totalLimitKw: null,
    timeZone: 'UTC',
    baseLoadMode: 'fixed',
    baseLoadA: [0, 0, 0],
    meteredBaseLoadA: null,
    meteredBaseLoadAt: null,
    fallbackLimitsA: null,
    upstreamUrl: null,
    upstreamPassword: null,
    modelVersion: 1,
    createdAt: now,
    ...overrides,
  };
}

/** A single-phase charging session on grid phase L1. */
function onL1(ref: string): PlanningConnector {
  return {
    connectorRef: ref,
    siteId: 's1',
    identity: `CP-${ref}`,
    connectorId: 1,
    phases: 1,
    maxCurrentA: 32,
    status: 'Charging',
    statusAt: null,
    transactionStartedAt: new Date(1),
  };
}

function firstLimits(row: SiteRow, connectors: PlanningConnector[]) {
  const capacity = toSiteCapacity(row, [], [], now, now);
  const input = buildAllocationInput(horizonBlocks([], now), [capacity], connectors);
  const plan = allocate(input);
  const limits = Object.fromEntries(plan.allocations.map((a) => [a.connectorId, a.limitsA[0]]));
  return { input, plan, limits };
}

describe(toSiteCapacity.name, () => {
  it("lets single-phase chargers on L1 use the site's whole total kW, not a third of it", () => {
    // 11.04 kW at 230 V is 48 A: all of it may flow on L1 when nothing draws on L2 and L3.
    const { limits } = firstLimits(site({ totalLimitKw: 11.04 }), [onL1('a'), onL1('b'), onL1('c')]);
    expect(Object.values(limits).map((a) => +a.toFixed(9))).toEqual([16, 16, 16]);
  });

  it('keeps three-phase chargers within the total kW summed over the phases', () => {
    const threePhase = { ...onL1('a'), phases: 3 };
    const { limits } = firstLimits(site({ totalLimitKw: 11.04 }), [threePhase]);
    expect(+limits.a.toFixed(9)).toBe(16);
  });

  it('subtracts the base load on every phase from the total', () => {
    // 48 A over the phases, less 2 + 3 + 1 A of base load, leaves 42 A for the connector on L1.
    const row = site({ totalLimitKw: 11.04, baseLoadA: [2, 3, 1] });
    const { input, limits } = firstLimits(row, [onL1('a')]);
    expect(+limits.a.toFixed(9)).toBe(32);
    expect(input.nodes.find((n) => n.id === 's1')?.totalLimitW?.map((w) => +w.toFixed(6))).toEqual([
      42 * 230,
    ]);
  });

  it('explains a limit set by the total in kW', () => {
    const { input, plan } = firstLimits(site({ totalLimitKw: 11.04 }), [onL1('a'), onL1('b'), onL1('c')]);
    const why = explainAllocations(input, plan, new Map([['s1', 'Depot']]));
    expect(why.get('a')).toEqual(["shares Depot's total limit of 11.04 kW"]);
  });

  it('keeps a horizon plan (sessions with energy and departure) within the total kW in every block', () => {
    const departureAt = new Date(now.getTime() + 2 * 3_600_000);
    const sessions = [onL1('a'), onL1('b'), { ...onL1('c'), phases: 3 }].map((c) => ({
      ...c,
      energyWantedWh: 40_000,
      departureAt,
    }));
    const capacity = toSiteCapacity(site({ totalLimitKw: 11.04 }), [], [], now, now);
    const horizon = splitHorizon(horizonBlocks([], now), [departureAt.toISOString()]);
    const input = buildAllocationInput(horizon, [capacity], sessions);
    const plan = planAllocations(input, [capacity], sessions, {});
    input.blocks.forEach((_, block) => {
      const ampsOverPhases = plan.allocations.reduce(
        (sum, a, i) => sum + a.limitsA[block] * input.connectors[i].phases,
        0,
      );
      expect(ampsOverPhases).toBeLessThanOrEqual(48 + 1e-6);
    });
    expect(plan.allocations[0].limitsA[0]).toBeGreaterThan(0);
  });

  it('reads a peak-shaving rule in kW as a total over the phases, in its window only', () => {
    // "every day 10:00-11:00 at most 7.36 kW": 32 A at 230 V, all of it usable on L1.
    const rule = {
      siteId: 's1',
      name: 'morning',
      weekdays: null,
      date: null,
      startTime: '10:00',
      endTime: '11:00',
      limitKw: 7.36,
      limitPercent: null,
    };
    const capacity = toSiteCapacity(site({}), [], [rule], now, now);
    // Split at every window edge of the next 48 hours, as planning does.
    const edges = (capacity.scheduledLimitsA ?? []).map((segment) => segment.start);
    const horizon = splitHorizon(horizonBlocks([], now), edges);
    const input = buildAllocationInput(horizon, [capacity], [onL1('a'), onL1('b'), onL1('c')]);
    expect(input.nodes.find((n) => n.id === 's1')?.totalLimitW?.slice(0, 3)).toEqual([7360, Infinity, 7360]);
    const plan = allocate(input);
    expect(plan.allocations.map((a) => +a.limitsA[0].toFixed(9))).toEqual([
      10.666666667, 10.666666667, 10.666666667,
    ]);
    expect(plan.allocations.map((a) => a.limitsA[1])).toEqual([21, 21, 21]);
  });

  it('adds no total constraint to a site without one', () => {
    const { input, limits } = firstLimits(site({ limitL1A: 40 }), [onL1('a'), onL1('b')]);
    expect(input.nodes.find((n) => n.id === 's1')).not.toHaveProperty('totalLimitW');
    expect(limits).toEqual({ a: 20, b: 20 });
  });
});
