import { allocate } from './allocate.js';
import { optimizeHorizon } from './horizon.js';
import type { ConnectorDemand, HorizonInput, PerPhase } from './model.js';

const QUARTER_MS = 15 * 60 * 1000;
const EPOCH_MS = Date.UTC(2026, 0, 1);
const at = (block: number) => new Date(EPOCH_MS + block * QUARTER_MS).toISOString();
/** Wh of one quarter-hour at `amperes` on a 230 V single-phase connector. */
const quarterWh = (amperes: number) => amperes * 230 * 0.25;

function blocks(count: number, openEnded = false) {
  return Array.from({ length: count }, (_, b) => ({
    start: at(b),
    end: openEnded && b === count - 1 ? null : at(b + 1),
  }));
}

/** One single-phase feeder of `limitA` on L1 under a site without limits. */
function feeder(count: number, limitA: number, openEnded = false): Pick<HorizonInput, 'blocks' | 'nodes'> {
  const limits = (a: number): PerPhase[] => Array.from({ length: count }, () => [a, a, a]);
  return {
    blocks: blocks(count, openEnded),
    nodes: [
      { id: 'site', parentId: null, limitsA: limits(Infinity) },
      { id: 'feeder', parentId: 'site', limitsA: limits(limitA) },
    ],
  };
}

function ev(id: string, demand: Partial<ConnectorDemand>): ConnectorDemand {
  return {
    id,
    nodeId: 'feeder',
    phases: 1,
    maxCurrentA: 32,
    minCurrentA: 6,
    active: true,
    precedence: 0,
    ...demand,
  };
}

describe('optimizeHorizon', () => {
  it('delivers by departure what a block-by-block fair share cannot', () => {
    const input: HorizonInput = {
      ...feeder(4, 32),
      connectors: [
        ev('leaves-early', { departure: at(2), energyWantedWh: quarterWh(32) * 2 }),
        ev('stays', { departure: at(4), energyWantedWh: quarterWh(32) * 2 }),
      ],
    };
    const plan = optimizeHorizon(input);
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [32, 32, 0, 0],
      [0, 0, 32, 32],
    ]);
    expect(plan.energyWh).toBeCloseTo(quarterWh(32) * 4, 6);
    expect(plan.details[1].reasons.slice(0, 2)).toEqual([
      { kind: 'node-limit', nodeId: 'feeder', phase: 'L1' },
      { kind: 'node-limit', nodeId: 'feeder', phase: 'L1' },
    ]);
    expect(plan.details[0].reasons.slice(2)).toEqual([{ kind: 'departed' }, { kind: 'departed' }]);
    // The per-block fair share gives each 16 A first, so the early leaver misses half its energy.
    expect(allocate(input).allocations[0].limitsA).toEqual([16, 16, 0, 0]);
  });

  it('shares energy that does not all fit by priority-weighted max-min of the shares, not first come', () => {
    const wants = quarterWh(32) * 3;
    const plan = optimizeHorizon({
      ...feeder(4, 32),
      connectors: [
        ev('a', { energyWantedWh: wants }),
        ev('b', { energyWantedWh: wants }),
        ev('c', { energyWantedWh: wants, priority: 2 }),
      ],
    });
    const capacityWh = quarterWh(32) * 4;
    // a and b get a share s of what they want, c (priority 2) 2s: (s + s + 2s) · wants = capacity.
    const share = capacityWh / (4 * wants);
    expect(plan.plannedWh[0]).toBeCloseTo(share * wants, 6);
    expect(plan.plannedWh[1]).toBeCloseTo(share * wants, 6);
    expect(plan.plannedWh[2]).toBeCloseTo(2 * share * wants, 6);
  });

  it('charges in the cheapest blocks and says why the others were left', () => {
    const plan = optimizeHorizon({
      ...feeder(4, 32),
      pricesPerKwh: [0.3, 0.1, 0.2, 0.1],
      connectors: [ev('ev', { energyWantedWh: quarterWh(32) * 2 })],
    });
    expect(plan.allocations[0].limitsA).toEqual([0, 32, 0, 32]);
    expect(plan.details[0].reasons).toEqual([
      { kind: 'other-blocks', because: 'cost' },
      { kind: 'own-maximum' },
      { kind: 'other-blocks', because: 'cost' },
      { kind: 'own-maximum' },
    ]);
    expect(plan.explanations[0].reasons[0]).toEqual({ kind: 'energy-need' });
    expect(plan.cost).toBeCloseTo(((quarterWh(32) * 2) / 1000) * 0.1, 9);
  });

  it("leaves a block the plan leaves even where the simplex's rounding leaves a trace of current", () => {
    // This three-phase case ends with about 1e-15 A in the dear block, which is no reason to charge.
    const plan = optimizeHorizon({
      ...feeder(3, 10, true),
      pricesPerKwh: [0.4, 0.1, 0.1],
      connectors: [ev('ev', { phases: 3, energyWantedWh: 10 * 690 * 0.25 })],
    });
    expect(plan.allocations[0].limitsA).toEqual([0, 10, 0]);
  });

  it('shaves the peak: the same energy spread evenly', () => {
    const plan = optimizeHorizon({
      ...feeder(2, 64),
      objective: 'peak',
      peakNodeIds: ['feeder'],
      connectors: [ev('a', { energyWantedWh: quarterWh(32) }), ev('b', { energyWantedWh: quarterWh(32) })],
    });
    expect(plan.peaksA).toEqual({ feeder: 32 });
    expect(plan.energyWh).toBeCloseTo(quarterWh(32) * 2, 6);
  });

  it('keeps an OPTIMUM soft limit unless the energy wanted needs more', () => {
    const base = {
      ...feeder(4, 64),
      softLimits: [{ nodeId: 'feeder', limitsA: blocks(4).map((): PerPhase => [20, 20, 20]) }],
    };
    const easy = optimizeHorizon({ ...base, connectors: [ev('ev', { energyWantedWh: quarterWh(20) * 3 })] });
    expect(Math.max(...easy.allocations[0].limitsA)).toBeLessThanOrEqual(20);
    expect(easy.energyWh).toBeCloseTo(quarterWh(20) * 3, 6);
    const hard = optimizeHorizon({ ...base, connectors: [ev('ev', { energyWantedWh: quarterWh(24) * 4 })] });
    expect(hard.energyWh).toBeCloseTo(quarterWh(24) * 4, 6);
    const excess = hard.allocations[0].limitsA.reduce((sum, x) => sum + Math.max(0, x - 20), 0);
    expect(excess).toBeCloseTo(16, 6);
  });

  it('pauses a current below the minimum and explains the energy lost', () => {
    const plan = optimizeHorizon({ ...feeder(1, 4), connectors: [ev('ev', {})] });
    expect(plan.allocations[0].limitsA).toEqual([0]);
    expect(plan.relaxedEnergyWh).toBeCloseTo(quarterWh(4), 9);
    expect(plan.energyWh).toBe(0);
    expect(plan.details[0].reasons[0]).toEqual({
      kind: 'below-minimum',
      lostWh: quarterWh(4),
      nodeId: 'feeder',
      phase: 'L1',
    });
    expect(plan.explanations[0].reasons[0]).toEqual({
      kind: 'minimum-not-fitting',
      nodeId: 'feeder',
      phase: 'L1',
    });
  });

  it('plans energy by an assumed departure, but does not cut the limit there', () => {
    const twoQuarters = quarterWh(32) * 2;
    const plan = optimizeHorizon({
      ...feeder(4, 32),
      connectors: [
        ev('assumed', { assumedDeparture: at(2), energyWantedWh: twoQuarters }),
        ev('stays', { departure: at(4), energyWantedWh: twoQuarters }),
      ],
    });
    // Planned as if it left at block 2: it goes first.
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [32, 32, 0, 0],
      [0, 0, 32, 32],
    ]);

    const alone = (demand: Partial<ConnectorDemand>) =>
      optimizeHorizon({
        ...feeder(4, 32),
        connectors: [ev('ev', { energyWantedWh: twoQuarters * 1.5, ...demand })],
      });
    // Still there after it, it charges what it still wants; a told departure is where charging ends.
    const assumed = alone({ assumedDeparture: at(2) });
    expect(assumed.allocations[0].limitsA).toEqual([32, 32, 32, 0]);
    expect(assumed.details[0].reasons[3]).toEqual({ kind: 'energy-met' });
    expect(alone({ departure: at(2) }).allocations[0].limitsA).toEqual([32, 32, 0, 0]);
  });

  it('plans an open-ended last block as allocate does, with the energy still wanted', () => {
    const plan = optimizeHorizon({
      ...feeder(2, 10, true),
      connectors: [ev('ev', { energyWantedWh: quarterWh(10) + 100 })],
    });
    expect(plan.allocations[0].limitsA).toEqual([10, 10]);
    expect(plan.details[0].reasons[1]).toEqual({ kind: 'node-limit', nodeId: 'feeder', phase: 'L1' });
    expect(plan.plannedWh[0]).toBeCloseTo(quarterWh(10), 9);
  });
});

describe('optimizeHorizon with a total power limit', () => {
  /** A site of 32 A per phase on an 11.04 kW connection: 48 A summed over its phases at 230 V. */
  const site = (count: number): Pick<HorizonInput, 'blocks' | 'nodes'> => ({
    blocks: blocks(count),
    nodes: [
      {
        id: 'site',
        parentId: null,
        limitsA: Array.from({ length: count }, (): PerPhase => [32, 32, 32]),
        totalLimitW: Array.from({ length: count }, () => 11_040),
      },
    ],
  });

  it('plans energy within the total: the three-phase car fills it before it leaves, the van after', () => {
    const plan = optimizeHorizon({
      ...site(4),
      connectors: [
        ev('car', { nodeId: 'site', phases: 3, departure: at(2), energyWantedWh: 100_000 }),
        ev('van', { nodeId: 'site', departure: at(4), energyWantedWh: quarterWh(32) * 2 }),
      ],
    });
    // 48 A summed is 16 A on each of the car's three phases; block by block, sharing it with the van
    // from the start would deliver 7,820 Wh.
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [16, 16, 0, 0],
      [0, 0, 32, 32],
    ]);
    expect(plan.relaxedEnergyWh).toBeCloseTo(9_200, 6);
    expect(plan.energyWh).toBeCloseTo(9_200, 6);
    expect(plan.details[0].reasons.slice(0, 2)).toEqual([
      { kind: 'node-limit', nodeId: 'site', phase: 'total' },
      { kind: 'node-limit', nodeId: 'site', phase: 'total' },
    ]);
  });

  it('keeps the total out of the peak: the peak is per phase', () => {
    const plan = optimizeHorizon({
      ...site(4),
      objective: 'peak',
      connectors: [ev('car', { nodeId: 'site', phases: 3, energyWantedWh: 690 * 0.25 * 8 * 4 })],
    });
    plan.allocations[0].limitsA.forEach((limitA) => expect(limitA).toBeCloseTo(8, 9));
    expect(Object.keys(plan.peaksA ?? {})).toEqual(['site']);
    expect(plan.peaksA?.site).toBeCloseTo(8, 9);
  });
});

describe('optimizeHorizon keeps what allocate guarantees', () => {
  const declared = { lpSessions: 'declared' } as const;
  const wantsAll = quarterWh(32) * 16;

  it('delivers the last bit an EV wants at its minimum rather than never', () => {
    // 50 Wh is less than a quarter hour at 6 A (345 Wh): below the minimum in any block the LP spreads it to.
    const input: HorizonInput = {
      ...feeder(4, 32),
      connectors: [ev('almost-full', { energyWantedWh: 50, departure: at(4) })],
    };
    for (const options of [{}, declared]) {
      const plan = optimizeHorizon(input, options);
      expect(plan.allocations[0].limitsA.filter((x) => x > 0)).toEqual([6]);
      expect(plan.energyWh).toBeCloseTo(50, 6);
    }
  });

  it('gives the room a paused current leaves to energy still wanted in that block', () => {
    // Fair shares give "leaves" 30.2 A and "stays" 5.8 A in block 0: "stays" is paused there, and the
    // 5.8 A it leaves would go unused (a block not used is lost for good), so "leaves" gets its 32 A.
    const plan = optimizeHorizon({
      ...feeder(2, 36),
      connectors: [
        ev('leaves', { departure: at(1), energyWantedWh: quarterWh(34) }),
        ev('stays', { departure: at(2), energyWantedWh: quarterWh(40) }),
      ],
    });
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [32, 0],
      [0, 32],
    ]);
    expect(plan.energyWh).toBeCloseTo(quarterWh(64), 6);
  });

  it('moves energy planned later into the room a paused current leaves', () => {
    // "tiny" wants 3 A for a quarter: paused, as 6 A does not fit next to "later"'s 17 A. "later"
    // takes those 3 A now instead of in block 1.
    const plan = optimizeHorizon({
      ...feeder(3, 20),
      connectors: [
        ev('tiny', { departure: at(1), energyWantedWh: quarterWh(3) }),
        ev('later', { departure: at(3), energyWantedWh: quarterWh(40) }),
      ],
    });
    expect(plan.allocations[0].limitsA).toEqual([0, 0, 0]);
    expect(plan.allocations[1].limitsA[0]).toBeCloseTo(20, 9);
    expect(plan.allocations[1].limitsA.slice(1).map(Math.round)).toEqual([17, 6]);
    expect(plan.energyWh).toBeCloseTo(quarterWh(40), 6);
  });

  it('gives the earliest blocks to the session that can least wait, all else equal', () => {
    // Either order delivers both by departure as early; "urgent" has one spare quarter, "lax" two.
    const plan = optimizeHorizon({
      ...feeder(3, 32),
      connectors: [
        ev('lax', { departure: at(3), energyWantedWh: quarterWh(32) }),
        ev('urgent', { departure: at(2), energyWantedWh: quarterWh(32) }),
      ],
    });
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [0, 32, 0],
      [32, 0, 0],
    ]);
  });

  it('admits by priority when minimums do not fit, whatever the plan', () => {
    const input = (priority: number): HorizonInput => ({
      ...feeder(4, 10),
      connectors: [
        ev('first-come', { precedence: 0 }),
        ev('planned', { precedence: 1, priority, energyWantedWh: wantsAll, departure: at(4) }),
      ],
    });
    const higher = optimizeHorizon(input(2), declared);
    expect(higher.allocations.map((a) => a.limitsA)).toEqual([
      [0, 0, 0, 0],
      [10, 10, 10, 10],
    ]);
    expect(higher.explanations[0].reasons[0]).toEqual({
      kind: 'minimum-not-fitting',
      nodeId: 'feeder',
      phase: 'L1',
    });
    // With a lower priority the planned session is paused, its plan notwithstanding.
    const lower = optimizeHorizon(input(0.5), declared);
    expect(lower.allocations[1].limitsA).toEqual([0, 0, 0, 0]);
    expect(lower.explanations[1].reasons[0]).toEqual({
      kind: 'minimum-not-fitting',
      nodeId: 'feeder',
      phase: 'L1',
    });
    expect(lower.energyWh).toBeCloseTo(quarterWh(10) * 4, 6);
  });

  it('rotates paused sessions outside the plan as allocate does', () => {
    const options = { ...declared, minOnSeconds: 0, minOffSeconds: 0 };
    const input: HorizonInput = {
      ...feeder(4, 12),
      connectors: [ev('a', { precedence: 0 }), ev('b', { precedence: 1 }), ev('c', { precedence: 2 })],
    };
    const plan = optimizeHorizon(input, options);
    expect(plan.allocations.map((a) => a.limitsA)).toEqual(
      allocate(input, options).allocations.map((a) => a.limitsA),
    );
    expect(plan.allocations.map((a) => a.limitsA.filter((x) => x > 0).length)).toEqual([3, 3, 2]);
  });

  it('guarantees a planned session its energy by departure against sessions outside the plan', () => {
    const wanted = quarterWh(24) * 2;
    const plan = optimizeHorizon(
      {
        ...feeder(4, 32),
        connectors: [ev('undeclared', {}), ev('leaves', { departure: at(2), energyWantedWh: wanted })],
      },
      declared,
    );
    // A fair share (16 A each) would miss a third of it: the other session gives up only that third.
    const [undeclared, leaves] = plan.allocations.map((a) => a.limitsA.map(Math.round));
    expect(leaves.slice(2)).toEqual([0, 0]);
    expect(undeclared[0] + undeclared[1]).toBe(16);
    expect(undeclared.slice(2)).toEqual([32, 32]);
    expect(plan.plannedWh[1]).toBeCloseTo(wanted, 6);
    expect(plan.details[1].reasons.slice(2)).toEqual([{ kind: 'departed' }, { kind: 'departed' }]);
  });

  it('shares fairly with sessions outside the plan where the plan does not need more', () => {
    const plan = optimizeHorizon(
      {
        ...feeder(4, 32),
        connectors: [
          ev('undeclared', {}),
          ev('easy', { departure: at(4), energyWantedWh: quarterWh(16) * 4 }),
        ],
      },
      declared,
    );
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [16, 16, 16, 16],
      [16, 16, 16, 16],
    ]);
  });

  it('plans a session its fair share would satisfy when it takes room a session falling short needs', () => {
    // Fair shares (16 A each) leave "urgent" short; "easy" would be fine with them, but on the same
    // binding feeder its fair share is room "urgent" needs before it leaves.
    const plan = optimizeHorizon(
      {
        ...feeder(4, 32),
        connectors: [
          ev('urgent', { departure: at(2), energyWantedWh: quarterWh(32) * 2 }),
          ev('easy', { departure: at(4), energyWantedWh: quarterWh(32) * 2 }),
        ],
      },
      declared,
    );
    expect(plan.allocations.map((a) => a.limitsA)).toEqual([
      [32, 32, 0, 0],
      [0, 0, 32, 32],
    ]);
  });

  it('moves planned energy into cheap blocks while sessions outside the plan charge all along', () => {
    const plan = optimizeHorizon(
      {
        ...feeder(4, 32),
        pricesPerKwh: [0.3, 0.1, 0.3, 0.3],
        connectors: [ev('undeclared', {}), ev('cheap', { departure: at(4), energyWantedWh: quarterWh(20) })],
      },
      declared,
    );
    // The cheap block takes it all, beyond its fair share of 16 A there: cost comes before that share.
    expect(plan.allocations.map((a) => a.limitsA.map(Math.round))).toEqual([
      [32, 12, 32, 32],
      [0, 20, 0, 0],
    ]);
    expect(plan.details[1].reasons[0]).toEqual({ kind: 'other-blocks', because: 'cost' });
  });
});
