import fc from 'fast-check';
import { allocate } from './allocate.js';
import { replanSite } from './incremental.js';
import { transformerPhasorLimits } from './phasor-limits.js';
import type { AllocationInput, AllocationPlan, ConnectorDemand } from './model.js';
import { allocationInput, SMALL_INSTANCES } from './testing/random-instances.js';

const TOLERANCE_A = 1e-9;

function expectSamePlan(actual: AllocationPlan, expected: AllocationPlan): void {
  expect(actual.allocations.map((a) => a.connectorId)).toEqual(
    expected.allocations.map((a) => a.connectorId),
  );
  actual.allocations.forEach((a, i) =>
    a.limitsA.forEach((x, b) =>
      expect(Math.abs(x - expected.allocations[i].limitsA[b])).toBeLessThanOrEqual(TOLERANCE_A),
    ),
  );
  actual.nodeLoads.forEach((load, n) =>
    load.loadsA.forEach((perPhase, b) =>
      perPhase.forEach((x, p) => expect(x).toBeCloseTo(expected.nodeLoads[n].loadsA[b][p], 6)),
    ),
  );
}

/** Session changes confined to the connectors under the given nodes. */
function changeSessions(input: AllocationInput, nodeIds: ReadonlySet<string>, draw: number): AllocationInput {
  const connectors = input.connectors.map((c, i): ConnectorDemand => {
    if (!nodeIds.has(c.nodeId)) return c;
    switch ((draw + i) % 4) {
      case 0:
        return { ...c, active: !c.active };
      case 1:
        return { ...c, priority: (c.priority ?? 1) + 1 };
      case 2:
        return { ...c, energyWantedWh: 500 };
      default:
        return c;
    }
  });
  return { ...input, connectors };
}

function subtreeIds(input: AllocationInput, rootId: string): Set<string> {
  const ids = new Set([rootId]);
  for (const node of input.nodes) if (node.parentId !== null && ids.has(node.parentId)) ids.add(node.id);
  return ids;
}

describe(replanSite.name, () => {
  it('equals a full re-plan after session changes in one site, and often computes that site only', () => {
    const scopes = { site: 0, all: 0 };
    fc.assert(
      fc.property(allocationInput(), fc.nat(), (before, draw) => {
        const site = before.nodes.find((n) => n.parentId !== null);
        if (!site) return;
        const after = changeSessions(before, subtreeIds(before, site.id), draw);
        const replan = replanSite(after, allocate(before), site.id);
        scopes[replan.scope]++;
        expectSamePlan(replan.plan, allocate(after));
      }),
      { numRuns: 400, seed: 6 },
    );
    expect(scopes.site).toBeGreaterThan(20);
    expect(scopes.all).toBeGreaterThan(20);
  });

  it('equals a full re-plan with total power limits on random nodes too', () => {
    fc.assert(
      fc.property(allocationInput({ ...SMALL_INSTANCES, totalLimits: true }), fc.nat(), (before, draw) => {
        const site = before.nodes.find((n) => n.parentId !== null);
        if (!site) return;
        const after = changeSessions(before, subtreeIds(before, site.id), draw);
        expectSamePlan(replanSite(after, allocate(before), site.id).plan, allocate(after));
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  const blocks = [{ start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:15:00.000Z' }];
  const connector = (id: string, nodeId: string, active = true): ConnectorDemand => ({
    id,
    nodeId,
    phases: 3,
    maxCurrentA: 32,
    minCurrentA: 6,
    active,
    precedence: 0,
  });
  const group = (groupLimitA: number, arrived: boolean): AllocationInput => ({
    blocks,
    nodes: [
      { id: 'group', parentId: null, limitsA: [[groupLimitA, groupLimitA, groupLimitA]] },
      { id: 'a', parentId: 'group', limitsA: [[40, 40, 40]] },
      { id: 'b', parentId: 'group', limitsA: [[40, 40, 40]] },
    ],
    connectors: [
      connector('a1', 'a'),
      connector('a2', 'a', arrived),
      connector('b1', 'b'),
      connector('b2', 'b'),
    ],
  });

  it('re-plans only the site while the group has room', () => {
    const replan = replanSite(group(200, true), allocate(group(200, false)), 'a');
    expect(replan.scope).toBe('site');
    expect(replan.plan.allocations.map((a) => a.limitsA[0])).toEqual([20, 20, 20, 20]);
  });

  it('re-plans everything under a group with a total power limit, which the new session makes bind', () => {
    // 230 A summed over phases: 216 A before the arrival, 240 A wanted after it.
    const withTotal = (arrived: boolean): AllocationInput => {
      const input = group(200, arrived);
      return { ...input, nodes: [{ ...input.nodes[0], totalLimitW: [230 * 230] }, ...input.nodes.slice(1)] };
    };
    const replan = replanSite(withTotal(true), allocate(withTotal(false)), 'a');
    expect(replan.scope).toBe('all');
    expect(replan.plan.allocations.map((a) => +a.limitsA[0].toFixed(9))).toEqual(
      Array(4).fill(+(230 / 12).toFixed(9)),
    );
  });

  it('re-plans everything under a group with a phasor limit, which the new session makes bind', () => {
    // Line a carries every connector's L1: 72 A before the arrival, 80 A wanted after it.
    const withPhasor = (arrived: boolean): AllocationInput => {
      const input = group(200, arrived);
      const phasorLimits = transformerPhasorLimits({ secondaryLimitsA: [76] });
      return { ...input, nodes: [{ ...input.nodes[0], phasorLimits }, ...input.nodes.slice(1)] };
    };
    const replan = replanSite(withPhasor(true), allocate(withPhasor(false)), 'a');
    expect(replan.scope).toBe('all');
    const lineA = replan.plan.allocations.reduce((sum, a) => sum + a.limitsA[0], 0);
    expect(lineA).toBeLessThanOrEqual(76);
    expect(lineA).toBeGreaterThanOrEqual(76 * 0.995);
  });

  it('re-plans everything when the group limit binds', () => {
    const replan = replanSite(group(60, true), allocate(group(60, false)), 'a');
    expect(replan.scope).toBe('all');
    expect(replan.plan.allocations.map((a) => a.limitsA[0])).toEqual([15, 15, 15, 15]);
  });
});
