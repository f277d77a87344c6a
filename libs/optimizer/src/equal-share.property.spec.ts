import { allocateEqualShare } from './equal-share';
import type { AllocationInput, CapacityNode, ConnectorDemand, PerPhase } from './model';

const INSTANCES = 500;
const TOLERANCE = 1e-9;

/** mulberry32: a tiny seeded PRNG, so every run checks the same instances and a failure is reproducible. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

const integer = (random: Random, min: number, max: number): number =>
  min + Math.floor(random() * (max - min + 1));
const pick = <T>(random: Random, values: readonly T[]): T => values[integer(random, 0, values.length - 1)];

/** Mostly ordinary limits, with enough Infinity, 0 and negative ones to exercise the edges. */
function randomLimit(random: Random): number {
  const roll = random();
  if (roll < 0.15) return Infinity;
  if (roll < 0.2) return 0;
  if (roll < 0.23) return -integer(random, 1, 10);
  return random() < 0.5 ? integer(random, 1, 100) : random() * 100;
}

function randomNodes(random: Random, blockCount: number): CapacityNode[] {
  const limits = (): PerPhase[] =>
    Array.from(
      { length: blockCount },
      () => [randomLimit(random), randomLimit(random), randomLimit(random)] as const,
    );
  const nodes: CapacityNode[] = [{ id: 'root', parentId: null, limitsA: limits() }];
  const siteCount = integer(random, 0, 3);
  for (let s = 0; s < siteCount; s++) {
    const siteId = `site${s}`;
    nodes.push({ id: siteId, parentId: 'root', limitsA: limits() });
    const circuitCount = integer(random, 0, 2);
    for (let c = 0; c < circuitCount; c++) {
      nodes.push({ id: `${siteId}-circuit${c}`, parentId: siteId, limitsA: limits() });
    }
  }
  return nodes;
}

function randomConnector(random: Random, index: number, nodes: readonly CapacityNode[]): ConnectorDemand {
  const maxCurrentA = pick(random, [16, 32, integer(random, 0, 63), random() * 63]);
  return {
    id: `c${index}`,
    nodeId: pick(random, nodes).id,
    phases: pick(random, [1, 3] as const),
    maxCurrentA,
    minCurrentA: Math.min(maxCurrentA, pick(random, [0, 6, 6, random() * 20])),
    active: random() < 0.8,
    precedence: integer(random, 0, 5),
  };
}

function randomInstance(random: Random): AllocationInput {
  const blockCount = integer(random, 1, 3);
  const nodes = randomNodes(random, blockCount);
  const connectors = Array.from({ length: integer(random, 0, 10) }, (_, i) =>
    randomConnector(random, i, nodes),
  );
  const blocks = Array.from({ length: blockCount }, (_, b) => ({
    start: new Date(Date.UTC(2026, 0, 1, b)).toISOString(),
    end: new Date(Date.UTC(2026, 0, 1, b + 1)).toISOString(),
  }));
  return { blocks, nodes, connectors };
}

interface NodePhaseUse {
  limitA: number;
  currents: number[];
}

/** Recomputes every node-phase's load from scratch, independently of the implementation's bookkeeping. */
function nodePhaseUses(
  input: AllocationInput,
  block: number,
  currents: readonly number[],
): Map<string, NodePhaseUse> {
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const uses = new Map<string, NodePhaseUse>();
  input.nodes.forEach((n) =>
    [0, 1, 2].forEach((p) => uses.set(`${n.id}/${p}`, { limitA: n.limitsA[block][p], currents: [] })),
  );
  input.connectors.forEach((c, i) => {
    for (let n = byId.get(c.nodeId); n; n = n.parentId === null ? undefined : byId.get(n.parentId)) {
      for (let p = 0; p < c.phases; p++) uses.get(`${n.id}/${p}`)?.currents.push(currents[i]);
    }
  });
  return uses;
}

/** Which node-phases a connector loads, by key, for the fairness check. */
function usesOf(input: AllocationInput, connector: ConnectorDemand): string[] {
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const keys: string[] = [];
  for (let n = byId.get(connector.nodeId); n; n = n.parentId === null ? undefined : byId.get(n.parentId)) {
    for (let p = 0; p < connector.phases; p++) keys.push(`${n.id}/${p}`);
  }
  return keys;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('allocateEqualShare invariants on random instances', () => {
  const random = prng(20261125);
  const instances = Array.from({ length: INSTANCES }, () => randomInstance(random));

  it.each(instances.map((input, seedIndex) => [seedIndex, input] as const))('instance %i', (_, input) => {
    const snapshot = structuredClone(input);
    const result = allocateEqualShare(input);

    expect(input).toEqual(snapshot);
    expect(allocateEqualShare(snapshot)).toEqual(result);
    expect(result.allocations.map((a) => a.connectorId)).toEqual(input.connectors.map((c) => c.id));

    input.blocks.forEach((_, block) => {
      const currents = result.allocations.map((a) => a.limitsA[block]);
      input.connectors.forEach((c, i) => {
        const x = currents[i];
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(c.maxCurrentA);
        if (!c.active) expect(x).toBe(0);
        if (x > 0) expect(x).toBeGreaterThanOrEqual(c.minCurrentA);
      });

      const uses = nodePhaseUses(input, block, currents);
      for (const use of uses.values()) {
        // Currents are never negative, so a limit below 0 can only be met as closely as all-zero allows.
        expect(sum(use.currents)).toBeLessThanOrEqual(Math.max(use.limitA, 0) + TOLERANCE);
      }

      // Max-min fairness: a connector left between 0 and its maximum is held down by a tight node-phase
      // on which nobody gets more than it does (the bottleneck characterisation of water-filling).
      input.connectors.forEach((c, i) => {
        const x = currents[i];
        if (x <= 0 || x >= c.maxCurrentA) return;
        const bottlenecked = usesOf(input, c).some((key) => {
          const use = uses.get(key);
          return (
            use !== undefined &&
            sum(use.currents) >= use.limitA - TOLERANCE &&
            use.currents.every((other) => other <= x + TOLERANCE)
          );
        });
        expect(bottlenecked).toBe(true);
      });
    });
  });
});
