import fc from 'fast-check';
import type { AllocationInput, CapacityNode, ConnectorDemand, PerPhase, PhaseRotation } from '../model.js';

const ROTATIONS: readonly PhaseRotation[] = ['RST', 'RTS', 'SRT', 'STR', 'TRS', 'TSR'];
const BLOCK_MS = 15 * 60 * 1000;
const EPOCH_MS = Date.UTC(2026, 0, 1);

/** Non-integer amperes, kept to thousandths so that the LP text stays exact and readable. */
function thousandths(max: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: max * 1000 }).map((milli) => milli / 1000);
}

/** Mostly ordinary limits, with enough Infinity, 0 and negative ones to exercise the edges. */
const limitA = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 120 }) },
  { weight: 4, arbitrary: thousandths(120) },
  { weight: 2, arbitrary: fc.constant(Infinity) },
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: -10, max: -1 }) },
);
const perPhase: fc.Arbitrary<PerPhase> = fc.tuple(limitA, limitA, limitA);

/** Total power limits in W, about as tight as the per-phase ones, with Infinity and 0 among them. */
const totalLimitW = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 200 }).map((amps) => amps * 230) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 80_000 }) },
  { weight: 1, arbitrary: fc.constant(Infinity) },
  { weight: 1, arbitrary: fc.constant(0) },
);

/** Parent index of each node after the root, drawn so that the tree is at most `maxDepth` levels deep. */
function treeShape(nodeCount: number, maxDepth: number): fc.Arbitrary<number[]> {
  return fc.array(fc.nat(), { minLength: nodeCount - 1, maxLength: nodeCount - 1 }).map((draws) => {
    const depth = [1];
    return draws.map((draw, k) => {
      const eligible = depth.flatMap((d, index) => (d < maxDepth ? [index] : []));
      const parent = eligible[draw % eligible.length];
      depth[k + 1] = depth[parent] + 1;
      return parent;
    });
  });
}

function connector(nodeCount: number, blockCount: number): fc.Arbitrary<Omit<ConnectorDemand, 'id'>> {
  return fc
    .record({
      node: fc.nat({ max: nodeCount - 1 }),
      phases: fc.constantFrom(1 as const, 2 as const, 3 as const),
      phaseRotation: fc.constantFrom(...ROTATIONS),
      maxCurrentA: fc.oneof(fc.constantFrom(16, 32), fc.integer({ min: 0, max: 63 }), thousandths(63)),
      minDraw: fc.oneof(fc.constant(0), fc.constant(6), thousandths(20)),
      active: fc.constantFrom(true, true, true, false),
      precedence: fc.integer({ min: 0, max: 5 }),
      priority: fc.constantFrom(1, 1, 2, 3, 0.5),
      uncontrollable: fc.constantFrom(false, false, false, false, true),
      departureBlock: fc.option(fc.nat({ max: blockCount + 2 }), { nil: undefined }),
      energyWantedWh: fc.option(fc.integer({ min: 0, max: 30_000 }), { nil: undefined }),
      wattsPerAmpere: fc.option(fc.constantFrom(208, 230, 690), { nil: undefined }),
      previous: fc.option(
        fc.record({ charging: fc.boolean(), sinceBlock: fc.integer({ min: -4, max: 0 }) }),
        {
          nil: undefined,
        },
      ),
    })
    .map(({ node, minDraw, departureBlock, previous, ...rest }) => ({
      ...rest,
      nodeId: `n${node}`,
      minCurrentA: Math.min(rest.maxCurrentA, minDraw),
      departure:
        departureBlock === undefined
          ? undefined
          : new Date(EPOCH_MS + departureBlock * BLOCK_MS).toISOString(),
      previous:
        previous === undefined
          ? undefined
          : {
              charging: previous.charging,
              since: new Date(EPOCH_MS + previous.sinceBlock * BLOCK_MS).toISOString(),
            },
    }));
}

interface NodeTotal {
  limitsW: number[];
  phaseVoltageV?: number;
}

/** For about half of the nodes, a total power limit per block and sometimes its voltage. */
function nodeTotals(nodeCount: number, blockCount: number): fc.Arbitrary<(NodeTotal | undefined)[]> {
  const total = fc.record(
    {
      limitsW: fc.array(totalLimitW, { minLength: blockCount, maxLength: blockCount }),
      phaseVoltageV: fc.constantFrom(230, 120),
    },
    { requiredKeys: ['limitsW'] },
  );
  return fc.array(fc.option(total, { nil: undefined }), { minLength: nodeCount, maxLength: nodeCount });
}

export interface InstanceBounds {
  maxNodes: number;
  maxConnectors: number;
  maxBlocks: number;
  /** Levels of the node tree, the root included. */
  maxDepth: number;
  /** Give some nodes a total power limit (`totalLimitW`) too. */
  totalLimits?: boolean;
}

export const SMALL_INSTANCES: InstanceBounds = { maxNodes: 8, maxConnectors: 10, maxBlocks: 4, maxDepth: 5 };

/** Random trees, connectors and 15-minute blocks; every connector hangs under an existing node. */
export function allocationInput(bounds: InstanceBounds = SMALL_INSTANCES): fc.Arbitrary<AllocationInput> {
  return fc
    .record({
      nodeCount: fc.integer({ min: 1, max: bounds.maxNodes }),
      blockCount: fc.integer({ min: 1, max: bounds.maxBlocks }),
      openEnded: fc.boolean(),
    })
    .chain(({ nodeCount, blockCount, openEnded }) =>
      fc.record({
        openEnded: fc.constant(openEnded),
        parents: treeShape(nodeCount, bounds.maxDepth),
        limits: fc.array(fc.array(perPhase, { minLength: blockCount, maxLength: blockCount }), {
          minLength: nodeCount,
          maxLength: nodeCount,
        }),
        connectors: fc.array(connector(nodeCount, blockCount), { maxLength: bounds.maxConnectors }),
        // Drawn only when asked for, so that the instances of a seed stay the same without totals.
        totals: bounds.totalLimits ? nodeTotals(nodeCount, blockCount) : fc.constant([]),
      }),
    )
    .map(({ openEnded, parents, limits, connectors, totals }) => {
      const nodes: CapacityNode[] = limits.map((limitsA, k) => {
        const total = totals[k];
        return {
          id: `n${k}`,
          parentId: k === 0 ? null : `n${parents[k - 1]}`,
          limitsA,
          ...(total && { totalLimitW: total.limitsW }),
          ...(total?.phaseVoltageV !== undefined && { phaseVoltageV: total.phaseVoltageV }),
        };
      });
      // Planning's horizon ends in an open block; random ones end either way.
      const blocks = limits[0].map((_, b) => ({
        start: new Date(EPOCH_MS + b * BLOCK_MS).toISOString(),
        end:
          openEnded && b === limits[0].length - 1
            ? null
            : new Date(EPOCH_MS + (b + 1) * BLOCK_MS).toISOString(),
      }));
      return { blocks, nodes, connectors: connectors.map((c, i) => ({ id: `c${i}`, ...c })) };
    });
}
