import type { Highs } from 'highs';
import { loadedPhases } from '../capacity-tree.js';
import { connectorWattsPerAmpere } from '../allocate.js';
import type { CapacityNode, HorizonInput } from '../model.js';

/** One (connector, block) current of the reference LP. */
interface Variable {
  name: string;
  connector: number;
  block: number;
  /** Wh per ampere over the part of the block the EV is there. */
  whPerA: number;
}

export interface ReferenceOptimum {
  energyWh: number;
  /** The least cost of delivering energyWh, when prices are given. */
  cost?: number;
  /** The least peak (sum over peak nodes) of delivering energyWh, for the peak objective. */
  peakA?: number;
  /**
   * Not for the peak objective: the highest τ such that every session gets at least τ · priority of
   * what it can take at all, holding energyWh (and the least cost, with prices).
   */
  fairLevel?: number;
}

/**
 * Connectors held at given currents instead of planned (per connector index, one current per block),
 * counted against the limits as uncontrollable connectors are.
 */
export type HeldCurrents = ReadonlyMap<number, readonly number[]>;

const HOUR_MS = 3_600_000;
/** The total power of a node, beside its phases 0, 1, 2. */
const TOTAL = 3;
/** What the second LP may give up of the first's energy, for rounding in the solver. */
const ENERGY_SLACK_WH = 1e-6;

/**
 * The horizon problem written out directly from its definition, for HiGHS: maximise the energy
 * delivered by departure in the blocks with an end, under every node-phase limit and every node's
 * total power limit (Σ over phases of V·I ≤ P: a connector's current once per phase it loads), less
 * what uncontrollable (and `held`) connectors take, never below 0, each connector's maximum and energy
 * wanted; then, holding that energy, minimise the cost or the peak (per phase: a total is no phase).
 * Shares nothing with the optimizer but `loadedPhases` and `wattsPerAmpere`, which define the model.
 */
export function referenceOptimum(
  highs: Highs,
  input: HorizonInput,
  held: HeldCurrents = new Map(),
): ReferenceOptimum {
  const variables = referenceVariables(input, held);
  if (variables.length === 0) {
    return { energyWh: 0, cost: input.pricesPerKwh ? 0 : undefined, peakA: reservedPeak(input, held) };
  }
  const rows = constraintRows(input, variables, held);
  const energyTerms = variables.map((v) => `${v.whPerA} ${v.name}`).join(' + ');
  const bounds = variables.map((v) => ` 0 <= ${v.name} <= ${input.connectors[v.connector].maxCurrentA}`);
  const energy = solve(highs, [
    'Maximize',
    ` obj: ${energyTerms}`,
    'Subject To',
    ...rows,
    'Bounds',
    ...bounds,
    'End',
  ]);
  const result: ReferenceOptimum = { energyWh: energy };
  const holdEnergy = ` hold: ${energyTerms} >= ${energy - ENERGY_SLACK_WH}`;
  if (input.pricesPerKwh) {
    result.cost = solve(highs, [
      'Minimize',
      ` obj: ${costTerms(input, variables)}`,
      'Subject To',
      ...rows,
      holdEnergy,
      'Bounds',
      ...bounds,
      'End',
    ]);
  }
  if (input.objective === 'peak') {
    result.peakA = minimumPeak(highs, input, variables, held, rows, holdEnergy, bounds);
    return result;
  }
  // The cost objective holds the least cost; `earliest` has no preference before fairness.
  const holdCost =
    input.objective === 'cost' && result.cost !== undefined
      ? [
          ` hold_cost: ${costTerms(input, variables)} <= ${result.cost + COST_SLACK * Math.max(1, result.cost)}`,
        ]
      : [];
  result.fairLevel = fairLevel(highs, input, variables, [...rows, holdEnergy, ...holdCost], bounds, held);
  return result;
}

const COST_SLACK = 1e-9;

function costTerms(input: HorizonInput, variables: readonly Variable[]): string {
  const prices = input.pricesPerKwh ?? [];
  return variables.map((v) => `${(v.whPerA * prices[v.block]) / 1000} ${v.name}`).join(' + ');
}

/** What each session can take at all: what it wants, or its maximum over its stay. */
function mostWh(input: HorizonInput, variables: readonly Variable[], i: number): number {
  const own = variables.filter((v) => v.connector === i);
  const atMaximum = own.reduce((sum, v) => sum + v.whPerA * input.connectors[i].maxCurrentA, 0);
  return Math.min(input.connectors[i].energyWantedWh ?? Infinity, atMaximum);
}

function fairLevel(
  highs: Highs,
  input: HorizonInput,
  variables: readonly Variable[],
  rows: readonly string[],
  bounds: readonly string[],
  held: HeldCurrents,
): number | undefined {
  const sharing = input.connectors.flatMap((c, i) =>
    !held.has(i) && mostWh(input, variables, i) > 0 ? [i] : [],
  );
  if (sharing.length === 0) return undefined;
  const shareRows = sharing.map((i) => {
    const own = variables.filter((v) => v.connector === i);
    const weighted = (input.connectors[i].priority ?? 1) * mostWh(input, variables, i);
    return ` s${i}: ${own.map((v) => `${v.whPerA} ${v.name}`).join(' + ')} - ${weighted} t >= 0`;
  });
  const lightest = Math.min(...sharing.map((i) => input.connectors[i].priority ?? 1));
  return -solve(highs, [
    'Minimize',
    ' obj: - t',
    'Subject To',
    ...rows,
    ...shareRows,
    'Bounds',
    ...bounds,
    ` 0 <= t <= ${1 / lightest}`,
    'End',
  ]);
}

function referenceVariables(input: HorizonInput, held: HeldCurrents): Variable[] {
  return input.connectors.flatMap((c, i) => {
    if (!c.active || c.uncontrollable || held.has(i)) return [];
    const departureMs = c.departure === undefined ? Infinity : Date.parse(c.departure);
    return input.blocks.flatMap((b, t) => {
      if (b.end === null) return [];
      const hours = (Math.min(Date.parse(b.end), departureMs) - Date.parse(b.start)) / HOUR_MS;
      if (hours <= 0 || c.maxCurrentA <= 0) return [];
      return [{ name: `x${i}_${t}`, connector: i, block: t, whPerA: connectorWattsPerAmpere(c) * hours }];
    });
  });
}

/** Per node, phase (or TOTAL) and block: who loads it, with what coefficient, and what is reserved there. */
function nodePhaseBlocks(input: HorizonInput, variables: readonly Variable[], held: HeldCurrents) {
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const cells = new Map<
    string,
    { nodeId: string; phase: number; block: number; terms: string[]; reservedA: number }
  >();
  const cell = (nodeId: string, phase: number, block: number) => {
    const key = `${nodeId}/${phase}/${block}`;
    const found = cells.get(key) ?? { nodeId, phase, block, terms: [], reservedA: 0 };
    cells.set(key, found);
    return found;
  };
  const pathOf = (nodeId: string) => {
    const path: CapacityNode[] = [];
    for (let n = byId.get(nodeId); n; n = n.parentId === null ? undefined : byId.get(n.parentId))
      path.push(n);
    return path;
  };
  /** Calls back with each cell connector i loads in block t and its coefficient there. */
  const eachCell = (i: number, t: number, load: (found: ReturnType<typeof cell>, a: number) => void) => {
    const c = input.connectors[i];
    const phases = loadedPhases(c);
    for (const node of pathOf(c.nodeId)) {
      for (const p of phases) load(cell(node.id, p, t), 1);
      if (node.totalLimitW) load(cell(node.id, TOTAL, t), phases.length);
    }
  };
  for (const v of variables) eachCell(v.connector, v.block, (found, a) => found.terms.push(`${a} ${v.name}`));
  input.connectors.forEach((c, i) => {
    if (!c.active) return;
    const fixed = c.uncontrollable ? input.blocks.map(() => c.maxCurrentA) : held.get(i);
    fixed?.forEach((currentA, t) => eachCell(i, t, (found, a) => (found.reservedA += a * currentA)));
  });
  return { cells: [...cells.values()], byId };
}

function limitOf(node: CapacityNode, phase: number, block: number): number {
  if (phase !== TOTAL) return node.limitsA[block][phase];
  return (node.totalLimitW?.[block] ?? Infinity) / (node.phaseVoltageV ?? 230);
}

function constraintRows(input: HorizonInput, variables: readonly Variable[], held: HeldCurrents): string[] {
  const { cells, byId } = nodePhaseBlocks(input, variables, held);
  const rows = cells.flatMap((cell, k) => {
    const limit = limitOf(byId.get(cell.nodeId)!, cell.phase, cell.block);
    if (limit === Infinity || cell.terms.length === 0) return [];
    return [` c${k}: ${cell.terms.join(' + ')} <= ${Math.max(0, limit - cell.reservedA)}`];
  });
  input.connectors.forEach((c, i) => {
    const own = variables.filter((v) => v.connector === i);
    if (c.energyWantedWh === undefined || own.length === 0) return;
    rows.push(` e${i}: ${own.map((v) => `${v.whPerA} ${v.name}`).join(' + ')} <= ${c.energyWantedWh}`);
  });
  return rows;
}

function minimumPeak(
  highs: Highs,
  input: HorizonInput,
  variables: readonly Variable[],
  held: HeldCurrents,
  rows: readonly string[],
  holdEnergy: string,
  bounds: readonly string[],
): number {
  const { cells } = nodePhaseBlocks(input, variables, held);
  const peakIds = input.peakNodeIds ?? input.nodes.filter((n) => n.parentId === null).map((n) => n.id);
  const peakRows = cells.flatMap((cell, k) => {
    const z = peakIds.indexOf(cell.nodeId);
    if (z < 0 || cell.phase === TOTAL || input.blocks[cell.block].end === null) return [];
    const load = cell.terms.length > 0 ? `${cell.terms.join(' + ')} - z${z}` : `- z${z}`;
    return [` p${k}: ${load} <= ${-cell.reservedA}`];
  });
  const peaks = peakIds.map((_, z) => `z${z}`);
  return solve(highs, [
    'Minimize',
    ` obj: ${peaks.join(' + ')}`,
    'Subject To',
    ...rows,
    ...peakRows,
    holdEnergy,
    'Bounds',
    ...bounds,
    ...peaks.map((z) => ` ${z} >= 0`),
    'End',
  ]);
}

/** Without any steerable current, the peak is what the uncontrollable connectors reserve. */
function reservedPeak(input: HorizonInput, held: HeldCurrents): number {
  const { cells } = nodePhaseBlocks(input, [], held);
  const peakIds = input.peakNodeIds ?? input.nodes.filter((n) => n.parentId === null).map((n) => n.id);
  return peakIds.reduce((sum, id) => {
    const own = cells.filter(
      (cell) => cell.nodeId === id && cell.phase !== TOTAL && input.blocks[cell.block].end !== null,
    );
    return sum + own.reduce((peak, cell) => Math.max(peak, cell.reservedA), 0);
  }, 0);
}

function solve(highs: Highs, lines: readonly string[]): number {
  const lp = lines.join('\n');
  const solution = highs.solve(lp);
  if (solution.Status !== 'Optimal') throw new Error(`HiGHS: ${solution.Status}\n${lp}`);
  return solution.ObjectiveValue;
}
