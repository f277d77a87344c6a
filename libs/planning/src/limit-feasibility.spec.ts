import type { PerPhase } from '@gridflex/optimizer';
import { describeNode, infeasibleNodes, nextFeasibility, type FeasibilityInput } from './limit-feasibility';
import type { HorizonBlock } from './plan-builder';
import type { PlanningConnector } from './planning.repository';

const limits = (a: number): PerPhase => [a, a, a];
const now = new Date('2026-03-01T10:00:00Z');
const block = (groupA: number): HorizonBlock => ({
  start: now.toISOString(),
  end: '2026-03-01T11:00:00.000Z',
  groupLimitsA: limits(groupA),
});

function refusing(index: number, extra: Partial<PlanningConnector> = {}): PlanningConnector {
  return {
    connectorRef: `c${index}`,
    chargerId: `ch${index}`,
    siteId: 's1',
    identity: `CP-${index}`,
    connectorId: 1,
    phases: 3,
    maxCurrentA: 32,
    status: 'Occupied',
    statusAt: null,
    transactionStartedAt: null,
    uncontrollableReason: 'SetChargingProfile answered NotImplemented',
    ...extra,
  };
}

const site = { id: 's1', name: 'Depot', limitsA: limits(63) };
const input = (overrides: Partial<FeasibilityInput>): FeasibilityInput => ({
  groupId: 'g1',
  block: block(24),
  sites: [site],
  circuitNames: new Map(),
  connectors: [],
  ...overrides,
});

describe(infeasibleNodes.name, () => {
  it('finds the group and the site that five refusing 32 A stations exceed on every phase', () => {
    const connectors = [1, 2, 3, 4, 5].map((i) => refusing(i));
    const nodes = infeasibleNodes(input({ connectors }));
    const over = (limitA: number) =>
      (['L1', 'L2', 'L3'] as const).map((phase) => ({ phase, reservedA: 160, limitA }));
    expect(nodes).toEqual([
      { kind: 'group', id: 'g1', name: 'g1', siteId: null, phases: over(24) },
      { kind: 'site', id: 's1', name: 'Depot', siteId: 's1', phases: over(63) },
    ]);
    expect(describeNode(nodes[1])).toBe(
      'site "Depot": L1 160 A reserved > 63 A limit, L2 160 A reserved > 63 A limit, L3 160 A reserved > 63 A limit',
    );
  });

  it('counts the base load, names a circuit and only the phases exceeded', () => {
    const circuits = [{ id: 'k1', parentId: null, limitsA: limits(20) }];
    const singlePhase = refusing(1, { phases: 1, circuitId: 'k1', phaseRotation: ['L2', 'L3', 'L1'] });
    const nodes = infeasibleNodes(
      input({
        block: block(Infinity),
        sites: [{ ...site, baseLoadA: [5, 0, 0], circuits }],
        circuitNames: new Map([['k1', 'Feeder A']]),
        connectors: [singlePhase],
      }),
    );
    expect(nodes).toEqual([
      {
        kind: 'circuit',
        id: 'k1',
        name: 'Feeder A',
        siteId: 's1',
        phases: [{ phase: 'L2', reservedA: 32, limitA: 20 }],
      },
    ]);
  });

  it('finds a transformer line that a refusing line-to-line charger and the base load exceed', () => {
    const transformerSite = {
      ...site,
      nominalVoltageV: 120,
      limitsA: limits(200),
      baseLoadA: [10, 0, 0] as const,
      transformer: { secondaryLineLimitA: 40 },
    };
    const lineToLine = refusing(1, { phases: 2, lineToLine: 'AB', maxCurrentA: 32 });
    const nodes = infeasibleNodes(
      input({ groupId: null, block: block(Infinity), sites: [transformerSite], connectors: [lineToLine] }),
    );
    // Line a: 10 A base load + 32 A from AB at most; line b: 32 A; line c: nothing.
    expect(nodes).toEqual([
      {
        kind: 'site',
        id: 's1',
        name: 'Depot',
        siteId: 's1',
        phases: [{ phase: 'transformer-secondary-a', reservedA: 42, limitA: 40 }],
      },
    ]);
    expect(describeNode(nodes[0])).toBe('site "Depot": transformer-secondary-a 42 A reserved > 40 A limit');
  });

  it("finds a site's total-power limit exceeded although no phase is, and says it in kW", () => {
    const kWSite = { ...site, totalLimitW: 20_000, nominalVoltageV: 230 };
    const nodes = infeasibleNodes(input({ groupId: null, sites: [kWSite], connectors: [refusing(1)] }));
    expect(nodes).toEqual([
      {
        kind: 'site',
        id: 's1',
        name: 'Depot',
        siteId: 's1',
        phases: [],
        totalKw: { reservedKw: 22.1, limitKw: 20 },
      },
    ]);
    expect(describeNode(nodes[0])).toBe('site "Depot": total 22.1 kW reserved > 20 kW limit');
  });

  it('finds nothing where the unsteered load fits the total-power limit', () => {
    const kWSite = { ...site, totalLimitW: 25_000, nominalVoltageV: 230 };
    expect(infeasibleNodes(input({ groupId: null, sites: [kWSite], connectors: [refusing(1)] }))).toEqual([]);
  });

  it('finds nothing where steered chargers alone would exceed the limit: the planner lowers those', () => {
    const steered = [1, 2, 3].map((i) => refusing(i, { uncontrollableReason: null }));
    expect(infeasibleNodes(input({ connectors: steered }))).toEqual([]);
  });

  it('counts chargers excluded from smart charging as unsteered, and the limit equal to the load as kept', () => {
    const excluded = refusing(1, {
      uncontrollableReason: null,
      smartChargingExcluded: true,
      maxCurrentA: 24,
    });
    expect(infeasibleNodes(input({ connectors: [excluded] }))).toEqual([]);
    const over = infeasibleNodes(input({ connectors: [{ ...excluded, maxCurrentA: 25 }] }));
    expect(over.map((node) => node.kind)).toEqual(['group']);
  });
});

describe(nextFeasibility.name, () => {
  const group = infeasibleNodes(input({ connectors: [1, 2, 3, 4, 5].map((i) => refusing(i)) }));
  const later = new Date('2026-03-01T10:05:00Z');

  it('starts an episode once, keeps its start while it lasts and ends it once', () => {
    const first = nextFeasibility(null, group, true, now);
    expect(first.started.map((node) => node.kind)).toEqual(['group', 'site']);
    expect(first.changed).toBe(true);
    expect(first.state.dso).toEqual({ since: now.toISOString(), reportedRequestIds: [] });

    const again = nextFeasibility(first.state, group, true, later);
    expect(again).toMatchObject({ started: [], ended: [], changed: false });
    expect(again.state.nodes.every((node) => node.since === now.toISOString())).toBe(true);

    const siteOnly = nextFeasibility(again.state, group.slice(1), false, later);
    expect(siteOnly.started).toEqual([]);
    expect(siteOnly.ended.map((node) => node.kind)).toEqual(['group']);
    expect(siteOnly.state.dso).toBeNull();

    const over = nextFeasibility(siteOnly.state, [], false, later);
    expect(over.ended.map((node) => node.kind)).toEqual(['site']);
    expect(over.state).toEqual({ nodes: [], dso: null });
    expect(nextFeasibility(over.state, [], false, later).changed).toBe(false);
    expect(nextFeasibility(null, [], false, later).changed).toBe(false);
  });

  it('keeps the forecasts told within the DSO episode, and forgets them with it', () => {
    const told = { since: now.toISOString(), reportedRequestIds: ['req-1'] };
    expect(nextFeasibility({ nodes: [], dso: told }, group, true, later).state.dso).toEqual(told);
    expect(nextFeasibility({ nodes: [], dso: told }, [], false, later).state.dso).toBeNull();
  });
});
