import type { Highs } from 'highs';
import { loadedPhases } from '../capacity-tree.js';
import type { AllocationInput } from '../model.js';

/** A connector's part in the reference problem of one block. */
export interface LpConnector {
  /** The fixed current of a connector that is not shared (inactive, paused or uncontrollable). */
  fixedA?: number;
  floorA: number;
  capA: number;
  weight: number;
}

/** What the optimizer must prove against, independently of its own bookkeeping. */
interface LpRow {
  limitA: number;
  members: number[];
  /** Beside members: 1 on a phase; on a node's total power, the phases the connector loads. */
  coefficients: number[];
}

const SLACK_A = 1e-7;

/**
 * The weighted lexicographic max-min allocation of one block, by the textbook sequence of LPs: maximise
 * the common level t with x_i >= w_i t for every free connector; every free connector that cannot
 * exceed w_i t* while the others keep theirs is fixed there; repeat with the rest.
 */
export function lexicographicMaxMin(
  highs: Highs,
  input: AllocationInput,
  block: number,
  connectors: readonly LpConnector[],
): number[] {
  const rows = lpRows(input, block, connectors);
  const values = connectors.map((c) => c.fixedA ?? 0);
  const free = new Set(connectors.flatMap((c, i) => (c.fixedA === undefined ? [i] : [])));
  while (free.size > 0) {
    const level = solve(highs, problem(rows, connectors, free, values, { kind: 'level' }));
    const fixedNow = [...free].filter((i) => {
      const lowest = connectors[i].weight * level.t;
      if (level.x[i] > lowest + SLACK_A) return false;
      const alone = solve(
        highs,
        problem(rows, connectors, free, values, { kind: 'raise', connector: i, level: level.t }),
      );
      return alone.x[i] <= lowest + SLACK_A;
    });
    if (fixedNow.length === 0) throw new Error(`No connector is blocked at level ${level.t}`);
    for (const i of fixedNow) {
      values[i] = Math.min(
        connectors[i].capA,
        Math.max(connectors[i].floorA, connectors[i].weight * level.t),
      );
      free.delete(i);
    }
  }
  return values;
}

/**
 * Node-phase rows and node total-power rows (Σ_phase V·I ≤ P, divided by V) with a finite limit, with
 * the fixed currents already taken off.
 */
function lpRows(input: AllocationInput, block: number, connectors: readonly LpConnector[]): LpRow[] {
  const byId = new Map(input.nodes.map((n) => [n.id, n]));
  const rows = new Map<string, LpRow>();
  const add = (key: string, limitA: number, i: number, coefficient: number) => {
    const row = rows.get(key) ?? { limitA, members: [], coefficients: [] };
    row.members.push(i);
    row.coefficients.push(coefficient);
    rows.set(key, row);
  };
  input.connectors.forEach((c, i) => {
    const phases = loadedPhases(c);
    for (
      let node = byId.get(c.nodeId);
      node;
      node = node.parentId === null ? undefined : byId.get(node.parentId)
    ) {
      for (const phase of phases) add(`${node.id}/${phase}`, node.limitsA[block][phase], i, 1);
      if (node.totalLimitW) {
        const totalA = node.totalLimitW[block] / (node.phaseVoltageV ?? 230);
        add(`${node.id}/total`, totalA, i, phases.length);
      }
    }
  });
  return [...rows.values()]
    .filter((row) => row.limitA !== Infinity)
    .map((row) => {
      const fixed = row.members.reduce(
        (sum, i, k) => sum + row.coefficients[k] * (connectors[i].fixedA ?? 0),
        0,
      );
      const free = row.members.flatMap((i, k) => (connectors[i].fixedA === undefined ? [k] : []));
      // Currents are never negative: a row already over its limit can only hold its free members at 0.
      return {
        limitA: Math.max(0, row.limitA - fixed),
        members: free.map((k) => row.members[k]),
        coefficients: free.map((k) => row.coefficients[k]),
      };
    })
    .filter((row) => row.members.length > 0);
}

type Objective = { kind: 'level' } | { kind: 'raise'; connector: number; level: number };

function problem(
  rows: readonly LpRow[],
  connectors: readonly LpConnector[],
  free: ReadonlySet<number>,
  values: readonly number[],
  objective: Objective,
): string {
  const lines = [
    'Maximize',
    objective.kind === 'level' ? ' obj: t' : ` obj: x${objective.connector}`,
    'Subject To',
  ];
  rows.forEach((row, r) =>
    lines.push(
      ` r${r}: ${row.members.map((i, k) => `${row.coefficients[k]} x${i}`).join(' + ')} <= ${row.limitA}`,
    ),
  );
  for (const i of free) {
    if (objective.kind === 'raise' && i === objective.connector) continue;
    const w = connectors[i].weight;
    lines.push(
      objective.kind === 'level'
        ? ` f${i}: x${i} - ${w} t >= 0`
        : ` f${i}: x${i} >= ${Math.min(connectors[i].capA, w * objective.level)}`,
    );
  }
  lines.push('Bounds');
  connectors.forEach((c, i) => {
    if (c.fixedA !== undefined) return;
    if (free.has(i)) lines.push(` ${c.floorA} <= x${i} <= ${c.capA}`);
    else lines.push(` x${i} = ${values[i]}`);
  });
  lines.push(' t free', 'End');
  return lines.join('\n');
}

function solve(highs: Highs, lp: string): { t: number; x: number[] } {
  const solution = highs.solve(lp);
  if (solution.Status !== 'Optimal') throw new Error(`HiGHS: ${solution.Status}\n${lp}`);
  const x: number[] = [];
  let t = 0;
  // An optimal status guarantees primal values, which the union of result types does not express.
  for (const [name, column] of Object.entries(solution.Columns as Record<string, { Primal: number }>)) {
    if (name === 't') t = column.Primal;
    else x[Number(name.slice(1))] = column.Primal;
  }
  return { t, x };
}
