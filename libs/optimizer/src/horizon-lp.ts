import { BoundedSimplex, type LpColumn } from './bounded-simplex.js';
import { PHASOR_PHASE, TOTAL_PHASE } from './capacity-tree.js';
import type { ConstraintSystem } from './constraint-system.js';
import type { HorizonObjective } from './model.js';

/** What the LP knows of one steerable session. */
export interface LpSession {
  connector: number;
  maxCurrentA: number;
  /** Wh per ampere-hour. */
  wattsPerAmpere: number;
  /** Infinity when it takes whatever is left. */
  energyWantedWh: number;
  /** Priority: the weight of its share of the energy. */
  weight: number;
  /** Per finite block, the hours it is there (0 before arrival or from departure on). */
  hours: Float64Array;
}

export interface HorizonLpInput {
  system: ConstraintSystem;
  /** Blocks with an end, in order. */
  blockCount: number;
  /** Their durations. */
  blockHours: Float64Array;
  sessions: LpSession[];
  /** Per constraint, what unsteered connectors take. */
  reservedA: Float64Array;
  /** limitOf(c, t): constraint c's limit in block t. */
  limitOf: (c: number, t: number) => number;
  /** Per constraint, the soft limit per block (undefined: none). */
  softLimitsA?: (c: number, t: number) => number;
  /**
   * Per constraint and block, how much of it sessions outside the LP take in their fair plan (0 to 1;
   * undefined: none): among plans equal so far, the LP's sessions charge where this is lowest, so that
   * they do not take others' shares where they can do without.
   */
  othersShare?: (c: number, t: number) => number;
  objective: HorizonObjective;
  pricesPerKwh?: readonly number[];
  /** Per constraint: whether its node's peak is minimised. */
  peakConstraint?: (c: number) => boolean;
  peakNodeOf?: (c: number) => string;
  /** `HorizonOptions.laterStagePivotBudget`: unset, every stage at its optimum. */
  laterStagePivotBudget?: number;
  /** `HorizonOptions.exactLpMaxColumns`: an LP this small ignores the budget. */
  exactLpMaxColumns?: number;
}

/** A row and what it stands for, so that tight rows explain the limits. */
export type LpRow =
  | { kind: 'capacity'; constraint: number; block: number }
  | { kind: 'energy'; session: number }
  | { kind: 'soft'; constraint: number; block: number }
  | { kind: 'peak'; constraint: number; block: number }
  | { kind: 'share'; session: number };

export interface HorizonLpSolution {
  /** currentsA[s][t] for session s in finite block t. */
  currentsA: Float64Array[];
  relaxedEnergyWh: number;
  /** Per session and block, the rows it loads that are tight at the optimum. */
  tightRows: (s: number, t: number) => LpRow[];
}

const WH_PER_KWH = 1000;
const TIGHT_TOLERANCE = 1e-7;
const DUAL_TOLERANCE = 1e-9;
/**
 * How much more a kWh of the least lax session counts in the earliest-delivery stage: small, so that
 * it only decides between plans about as early, which session's energy comes first.
 */
const URGENCY_WEIGHT = 0.01;

/**
 * The horizon as one LP over (session, block) currents: every node-phase limit and node total power
 * limit per block (less the unsteered reservations; a session counts once per phase it loads on a
 * total), each session's maximum and energy wanted, nothing outside its stay. Solved
 * lexicographically: the most energy delivered by departure; then the least current above soft
 * limits (ampere-hours); then the objective (cost, or the sum of the peak nodes' peaks); then the
 * least energy where sessions outside the LP take most of the room (`othersShare`); then the
 * fairest shares of energy (`shareFairly`); then the earliest delivery, the least lax sessions'
 * first (`urgency`), which also makes the chosen optimum deterministic. Rows that can never bind
 * (their members' maxima fit) are left out.
 */
export function solveHorizonLp(input: HorizonLpInput): HorizonLpSolution {
  const builder = new LpBuilder(input);
  const stages = builder.stageCosts();
  const values = new Float64Array(builder.columns.length);
  const slacks = new Float64Array(builder.rhs.length);
  let relaxedEnergyWh = 0;
  const rowOf = new Int32Array(builder.rhs.length).fill(-1);
  for (const part of builder.independentParts()) {
    relaxedEnergyWh += solvePart(builder, stages, part, values, slacks, rowOf);
  }
  const currentsA = input.sessions.map((_, s) =>
    Float64Array.from({ length: input.blockCount }, (_, t) => {
      const j = builder.variableOf[s][t];
      return j < 0 ? 0 : Math.max(0, values[j]);
    }),
  );
  const tightRows = (s: number, t: number): LpRow[] => {
    const j = builder.variableOf[s][t];
    if (j < 0) return [];
    return builder.columns[j].rows
      .filter((r) => slacks[r] <= TIGHT_TOLERANCE)
      .map((r) => builder.rowMeanings[r]);
  };
  return { currentsA, relaxedEnergyWh, tightRows };
}

/** The lexicographic stages, in the order they are optimised. */
export type HorizonStage = 'energy' | 'soft' | 'preference' | 'yielding' | 'fair level' | 'earliest';

/**
 * The horizon LP in a solver-neutral form: `rows · x ≤ rhs` (each column's entries), `0 ≤ x ≤ upper`,
 * and per stage the costs minimised within the optimum of the stages before (energy is its negative,
 * in kWh). `fair level` is the first round of the fair shares (the highest common level, one column
 * for the whole LP): `solveHorizonLp` goes on raising the shares that are not blocked, per independent
 * part. `warmStart` is the blend our simplex crashes and solves first.
 */
export interface HorizonStageLp {
  rhs: number[];
  columns: LpColumn[];
  stages: { name: HorizonStage; costs: Float64Array }[];
  warmStart: Float64Array;
}

export function stageLpOf(input: HorizonLpInput): HorizonStageLp {
  const builder = new LpBuilder(input);
  const costs = builder.stageCosts();
  const stages: HorizonStageLp['stages'] = [{ name: 'energy', costs: costs.energy }];
  if (costs.soft) stages.push({ name: 'soft', costs: costs.soft });
  if (costs.preference) stages.push({ name: 'preference', costs: costs.preference });
  if (costs.yielding) stages.push({ name: 'yielding', costs: costs.yielding });
  if (builder.fairnessColumn >= 0) {
    const level = new Float64Array(builder.columns.length);
    level[builder.fairnessColumn] = -1;
    stages.push({ name: 'fair level', costs: level });
  }
  stages.push({ name: 'earliest', costs: costs.earliest });
  return {
    rhs: builder.rhs,
    columns: builder.columns,
    stages,
    warmStart: blend(costs.energy, [costs.soft, costs.preference, costs.yielding ?? costs.soonest]),
  };
}

interface StageCosts {
  energy: Float64Array;
  soft?: Float64Array;
  preference?: Float64Array;
  yielding?: Float64Array;
  earliest: Float64Array;
  /** Energy sooner rather than later, without the urgency weights: for the warm start only. */
  soonest: Float64Array;
}

/** Rows and columns (the share level aside) that no row links to the rest of the LP. */
interface LpPart {
  rows: number[];
  columns: number[];
}

/**
 * One independent part through every stage, with its own share level: the stages' objectives are sums
 * over the parts, and fair shares fill each part independently, so the parts' optima make the whole's.
 * Writes the part's values and slacks; returns its energy optimum in Wh. `rowOf` (all -1, and so
 * left) maps the LP's rows to the part's: typed and shared, as the LP has 10⁵ entries and more.
 */
function solvePart(
  builder: LpBuilder,
  stages: StageCosts,
  part: LpPart,
  values: Float64Array,
  slacks: Float64Array,
  rowOf: Int32Array,
): number {
  part.rows.forEach((r, k) => (rowOf[r] = k));
  const columns: LpColumn[] = part.columns.map((j) => {
    const col = builder.columns[j];
    const rows = new Array<number>(col.rows.length);
    for (let k = 0; k < rows.length; k++) rows[k] = rowOf[col.rows[k]];
    return { ...col, rows };
  });
  const shares = builder.fairnessRows.filter((f) => rowOf[f.row] >= 0);
  const tau = shares.length > 0 ? columns.length : -1;
  if (tau >= 0) {
    columns.push({
      rows: shares.map((f) => rowOf[f.row]),
      values: shares.map((f) => f.kwhPerLevel),
      upper: builder.columns[builder.fairnessColumn].upper,
    });
  }
  const restrict = (costs: Float64Array) => {
    const restricted = new Float64Array(columns.length);
    for (let k = 0; k < part.columns.length; k++) restricted[k] = costs[part.columns[k]];
    return restricted;
  };
  const simplex = new BoundedSimplex(
    part.rows.map((r) => builder.rhs[r]),
    columns,
  );
  const energy = restrict(stages.energy);
  const soft = stages.soft && restrict(stages.soft);
  const preference = stages.preference && restrict(stages.preference);
  const yielding = stages.yielding && restrict(stages.yielding);
  const earliest = restrict(stages.earliest);
  // Urgency weights in the warm start would only make its solve longer: they matter in the last stage.
  const warm = blend(energy, [soft, preference, yielding ?? restrict(stages.soonest)]);
  const budget =
    builder.columns.length <= builder.exactLpMaxColumns ? Infinity : builder.laterStagePivotBudget;
  simplex.crash(warm);
  // Solving the blend first makes the exact chain cheaper; with a budget, the crash's cost-ordered
  // start is where the budgeted stages begin.
  if (budget === Infinity) simplex.minimize(warm);
  const energyWh = -simplex.minimize(energy) * WH_PER_KWH;
  const earlierStages: Stage[] = [
    { costs: energy, budget: Infinity },
    { costs: soft, budget: Infinity },
    { costs: preference, budget },
    { costs: yielding, budget },
  ];
  keepStages(simplex, earlierStages);
  if (tau >= 0) {
    shareFairly(
      simplex,
      tau,
      shares.map((f) => ({ row: rowOf[f.row], kwhPerLevel: f.kwhPerLevel })),
      columns[tau].upper,
    );
    // Detaching the share level changed the columns the earlier stages' optimal faces were fixed by:
    // the point is still optimal for each, but the last stage could leave their faces unless fixed again.
    keepStages(simplex, earlierStages);
  }
  simplex.minimize(earliest, budget);
  part.columns.forEach((j, k) => (values[j] = simplex.value(k)));
  part.rows.forEach((r, k) => (slacks[r] = simplex.slack(k)));
  for (const r of part.rows) rowOf[r] = -1;
  return energyWh;
}

/** A stage's costs (none: the stage does not apply) and the most pivots it may take. */
interface Stage {
  costs: Float64Array | undefined;
  budget: number;
}

/**
 * Each stage in order minimised from where the simplex is (within its budget), and the face of the
 * value reached kept: a stage stopped by its budget keeps the value it reached.
 */
function keepStages(simplex: BoundedSimplex, stages: readonly Stage[]): void {
  for (const { costs, budget } of stages) {
    if (!costs) continue;
    simplex.minimize(costs, budget);
    simplex.keepOptimal();
  }
}

/** Relative weight of each later objective in the warm start: small enough that energy counts first. */
const BLEND = 1e-3;

/**
 * The energy objective with a little of the later ones (each BLEND times less than the one before):
 * its optimum is a vertex close to the lexicographic one, so that the exact stages that follow need
 * few pivots. Only a warm start: the result does not depend on it.
 */
function blend(energy: Float64Array, later: (Float64Array | undefined)[]): Float64Array {
  const largest = (costs: Float64Array) => costs.reduce((most, c) => Math.max(most, Math.abs(c)), 0);
  const blended = Float64Array.from(energy);
  let scale = largest(energy);
  for (const costs of later) {
    if (!costs) continue;
    scale *= BLEND;
    const weight = scale / (largest(costs) || 1);
    costs.forEach((c, j) => (blended[j] += weight * c));
  }
  return blended;
}

/**
 * Weighted lexicographic max-min of the sessions' shares of the energy they can take (what they want,
 * or their maximum over their stay), within the energy optimum — progressive filling by LP: raise the
 * common level τ (share ≥ weight · τ); the rows with a non-zero dual are tight in every optimum
 * (complementary slackness), so those sessions are held at that level for good and the others rise on.
 * Afterwards every share is held, so that cost and time preferences cannot undo it.
 */
function shareFairly(
  simplex: BoundedSimplex,
  tau: number,
  shareRows: readonly { row: number; kwhPerLevel: number }[],
  top: number,
): void {
  const costs = new Float64Array(tau + 1);
  costs[tau] = -1;
  let rising = shareRows;
  while (rising.length > 0) {
    simplex.minimize(costs);
    const level = simplex.value(tau);
    const atTop = level >= top - DUAL_TOLERANCE;
    const blocked = atTop ? rising : rising.filter((f) => simplex.dual(f.row) < -DUAL_TOLERANCE);
    // Without a blocking dual (rounding), every share is held where it is.
    const held = blocked.length > 0 ? blocked : rising;
    simplex.detach(
      tau,
      held.map((f) => f.row),
      held.map((f) => -level * f.kwhPerLevel),
    );
    const heldRows = new Set(held.map((f) => f.row));
    rising = rising.filter((f) => !heldRows.has(f.row));
  }
}

/** The node-phase constraints as a tree per phase, and the nodes' total power constraints as one more. */
interface ConstraintTree {
  /** The constraint of the nearest node above on the same phase (or total), -1 at a root. */
  parentOf: Int32Array;
  /** Constraints of deeper nodes before those of the nodes above them. */
  deepestFirst: number[];
  /** Per connector, its deepest constraint on each phase it loads, and its deepest total. */
  leavesOf: number[][];
  /** Per total constraint, the constraints of the same node's phases; empty for a phase. */
  phasesOfTotal: number[][];
}

function constraintTree(system: ConstraintSystem): ConstraintTree {
  const key = (nodeId: string, phase: number) => `${nodeId}\u0000${phase}`;
  const byKey = new Map(system.nodes.map((node, c) => [key(node.id, system.phases[c]), c]));
  // Every node above a connector has per-phase constraints, so its path is all in system.nodes.
  const nodeById = new Map(system.nodes.map((node) => [node.id, node]));
  const above = (nodeId: string) => nodeById.get(nodeId)?.parentId ?? null;
  // A node's parent may have no total limit: a total's parent is the nearest one above that has.
  // A phasor side stands alone: its members' maxima reach it directly.
  const parentOf = Int32Array.from(system.nodes, (node, c) => {
    if (system.phases[c] === PHASOR_PHASE) return -1;
    for (let id = node.parentId; id !== null; id = above(id)) {
      const parent = byKey.get(key(id, system.phases[c]));
      if (parent !== undefined) return parent;
    }
    return -1;
  });
  const nodeDepth = (nodeId: string): number => {
    const parentId = above(nodeId);
    return parentId === null ? 0 : 1 + nodeDepth(parentId);
  };
  const depths = system.nodes.map((node) => nodeDepth(node.id));
  const deepestFirst = depths.map((_, c) => c).sort((a, b) => depths[b] - depths[a] || a - b);
  const leavesOf = Array.from({ length: system.connectorCount }, (_, i) => {
    const own = Array.from(
      system.constraintsOf.subarray(system.constraintStart[i], system.constraintStart[i + 1]),
    );
    return own.filter((c) => !own.some((other) => parentOf[other] === c));
  });
  const phasesOfTotal = system.nodes.map((node, c) =>
    system.phases[c] !== TOTAL_PHASE
      ? []
      : [0, 1, 2].flatMap((phase) => byKey.get(key(node.id, phase)) ?? []),
  );
  return { parentOf, deepestFirst, leavesOf, phasesOfTotal };
}

class LpBuilder {
  readonly rhs: number[] = [];
  readonly rowMeanings: LpRow[] = [];
  readonly columns: (LpColumn & { rows: number[]; values: number[] })[] = [];
  /** variableOf[s][t]: the column of session s in block t, -1 where it cannot charge. */
  readonly variableOf: Int32Array[];
  /** Per column, the energy per ampere in kWh (0 for auxiliary columns). */
  private readonly kwhPerAmpere: number[] = [];
  private readonly blockOf: number[] = [];
  /** Per column, the session it is a current of (sparse: only sessions' columns). */
  private readonly sessionOfColumn: number[] = [];
  private readonly softColumns: { column: number; hours: number }[] = [];
  private readonly peakColumns: number[] = [];
  /** The common share level, -1 when no session shares. */
  fairnessColumn = -1;
  /** Pivots per budgeted stage (`laterStagePivotBudget`), Infinity when every stage is exact. */
  readonly laterStagePivotBudget: number;
  /** An LP with at most this many columns (all parts together) solves every stage exactly, budget or not. */
  readonly exactLpMaxColumns: number;
  readonly fairnessRows: { row: number; kwhPerLevel: number }[] = [];

  private readonly tree: ConstraintTree;
  /** Per session, what it puts per ampere on each of its connector's leaves (`tree.leavesOf`). */
  private readonly leafCoefficients: number[][];

  constructor(private readonly input: HorizonLpInput) {
    const { sessions, blockCount } = input;
    this.laterStagePivotBudget = input.laterStagePivotBudget ?? Infinity;
    this.exactLpMaxColumns = input.exactLpMaxColumns ?? 0;
    this.tree = constraintTree(input.system);
    this.leafCoefficients = sessions.map(({ connector: i }) =>
      this.tree.leavesOf[i].map((c) => this.coefficient(i, c)),
    );
    this.variableOf = sessions.map((session, s) =>
      Int32Array.from({ length: blockCount }, (_, t) => {
        if (!(session.hours[t] > 0) || !(session.maxCurrentA > 0)) return -1;
        const column = this.addColumn(
          session.maxCurrentA,
          (session.wattsPerAmpere * session.hours[t]) / WH_PER_KWH,
          t,
        );
        this.sessionOfColumn[column] = s;
        return column;
      }),
    );
    this.addEnergyRows();
    for (let t = 0; t < blockCount; t++) this.addBlockRows(t);
    this.addFairnessRows();
  }

  /**
   * The LP split where no row links its columns (the share level aside, which each part gets a copy
   * of): e.g. the sites of a group whose own limits bind before the group's. Columns in no row at all
   * form one more part. In order of their first row, so deterministic.
   */
  independentParts(): LpPart[] {
    const parent = Int32Array.from({ length: this.rhs.length }, (_, r) => r);
    const find = (r: number): number => {
      while (parent[r] !== r) r = parent[r] = parent[parent[r]];
      return r;
    };
    this.columns.forEach((col, j) => {
      if (j === this.fairnessColumn) return;
      for (let k = 1; k < col.rows.length; k++) {
        const [a, b] = [find(col.rows[0]), find(col.rows[k])];
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    });
    const parts = new Map<number, LpPart>();
    const partOf = (r: number) => {
      const root = find(r);
      const part = parts.get(root) ?? { rows: [], columns: [] };
      parts.set(root, part);
      return part;
    };
    for (let r = 0; r < this.rhs.length; r++) partOf(r).rows.push(r);
    const unlinked: LpPart = { rows: [], columns: [] };
    this.columns.forEach((col, j) => {
      if (j === this.fairnessColumn) return;
      (col.rows.length > 0 ? partOf(col.rows[0]) : unlinked).columns.push(j);
    });
    const ordered = [...parts.entries()].sort(([a], [b]) => a - b).map(([, part]) => part);
    return unlinked.columns.length > 0 ? [...ordered, unlinked] : ordered;
  }

  /** Stage objectives, each minimised within the optimum of the ones before. */
  stageCosts(): StageCosts {
    const n = this.columns.length;
    const perKwh = (weight: (j: number) => number) => {
      const costs = new Float64Array(n);
      this.kwhPerAmpere.forEach((kwh, j) => {
        if (kwh !== 0) costs[j] = kwh * weight(j);
      });
      return costs;
    };
    const energy = perKwh(() => -1);
    let soft: Float64Array | undefined;
    if (this.softColumns.length > 0) {
      soft = new Float64Array(n);
      for (const { column, hours } of this.softColumns) soft[column] = hours;
    }
    const { objective, pricesPerKwh } = this.input;
    let preference: Float64Array | undefined;
    if (objective === 'cost' && pricesPerKwh) preference = perKwh((j) => pricesPerKwh[this.blockOf[j]]);
    if (objective === 'peak' && this.peakColumns.length > 0) {
      preference = new Float64Array(n);
      for (const j of this.peakColumns) preference[j] = 1;
    }
    return {
      energy,
      soft,
      preference,
      yielding: this.yieldingCosts(),
      earliest: this.earliestCosts(perKwh),
      soonest: perKwh((j) => this.blockOf[j] + 1),
    };
  }

  /**
   * Energy sooner rather than later, each kWh weighted up a little by its session's urgency: among
   * plans about as early, the sessions that can least wait get theirs first, as least-laxity-first
   * schedulers do, which leaves later blocks to the ones that can.
   */
  private earliestCosts(perKwh: (weight: (j: number) => number) => Float64Array): Float64Array {
    const urgency = this.input.sessions.map((_, s) => 1 + URGENCY_WEIGHT * this.urgency(s));
    return perKwh((j) => (this.blockOf[j] + 1) * urgency[this.sessionOfColumn[j]]);
  }

  /**
   * In [0, 1]: 1 / (1 + laxity), the laxity being the hours of its stay it could spend not charging
   * and still take what it can take at its maximum; 0 for a session without a known energy, which has
   * no need to meet by its departure.
   */
  private urgency(s: number): number {
    const session = this.input.sessions[s];
    if (session.energyWantedWh === Infinity) return 0;
    const columns = this.sessionColumns(s);
    const stayHours = columns.reduce((sum, j) => sum + session.hours[this.blockOf[j]], 0);
    const hourlyWh = session.maxCurrentA * session.wattsPerAmpere;
    const neededHours = Math.min(session.energyWantedWh / hourlyWh, stayHours);
    return 1 / (1 + stayHours - neededHours);
  }

  /** Per column, its energy times the largest share others take of a constraint it loads in its block. */
  private yieldingCosts(): Float64Array | undefined {
    const { othersShare, sessions, system } = this.input;
    if (!othersShare) return undefined;
    const costs = new Float64Array(this.columns.length);
    sessions.forEach((session, s) => {
      const i = session.connector;
      this.variableOf[s].forEach((j, t) => {
        if (j < 0) return;
        let share = 0;
        for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
          share = Math.max(share, othersShare(system.constraintsOf[k], t));
        }
        costs[j] = this.kwhPerAmpere[j] * share;
      });
    });
    return costs;
  }

  /**
   * The common level τ and per session a row `weight · most · τ − energy ≤ 0` (kWh), where `most` is
   * what it can take at all: what it wants, or its maximum over its stay.
   */
  private addFairnessRows(): void {
    const { sessions } = this.input;
    const entriesOf = sessions.map((_, s) => this.sessionColumns(s));
    const mostKwh = entriesOf.map((columns, s) =>
      Math.min(
        sessions[s].energyWantedWh / WH_PER_KWH,
        columns.reduce((sum, j) => sum + this.kwhPerAmpere[j] * this.columns[j].upper, 0),
      ),
    );
    const sharing = sessions.flatMap((_, s) => (mostKwh[s] > 0 ? [s] : []));
    if (sharing.length === 0) return;
    const lightest = Math.min(...sharing.map((s) => sessions[s].weight));
    this.fairnessColumn = this.addColumn(1 / lightest, 0, -1);
    for (const s of sharing) {
      const kwhPerLevel = sessions[s].weight * mostKwh[s];
      this.fairnessRows.push({ row: this.rhs.length, kwhPerLevel });
      this.addRow(0, { kind: 'share', session: s }, [
        ...entriesOf[s].map((j) => [j, -this.kwhPerAmpere[j]] as const),
        [this.fairnessColumn, kwhPerLevel] as const,
      ]);
    }
  }

  private addColumn(upper: number, kwhPerAmpere: number, block: number, startAtUpper = false): number {
    this.columns.push({ rows: [], values: [], upper, startAtUpper });
    this.kwhPerAmpere.push(kwhPerAmpere);
    this.blockOf.push(block);
    return this.columns.length - 1;
  }

  private addRow(rhs: number, meaning: LpRow, entries: readonly (readonly [number, number])[]): void {
    const r = this.rhs.length;
    this.rhs.push(rhs);
    this.rowMeanings.push(meaning);
    for (const [j, value] of entries) {
      this.columns[j].rows.push(r);
      this.columns[j].values.push(value);
    }
  }

  /** Energy in kWh, a row only where the whole stay at the maximum would deliver more than wanted. */
  private addEnergyRows(): void {
    this.input.sessions.forEach((session, s) => {
      if (session.energyWantedWh === Infinity) return;
      const entries = this.sessionColumns(s).map((j) => [j, this.kwhPerAmpere[j]] as const);
      const most = entries.reduce((sum, [j, kwh]) => sum + kwh * this.columns[j].upper, 0);
      if (most * WH_PER_KWH <= session.energyWantedWh) return;
      this.addRow(session.energyWantedWh / WH_PER_KWH, { kind: 'energy', session: s }, entries);
    });
  }

  private sessionColumns(s: number): number[] {
    return Array.from(this.variableOf[s]).filter((j) => j >= 0);
  }

  /**
   * Block t's rows. A node-phase gets a capacity row only if what can reach it — its members' maxima,
   * each child node-phase capped at its own room — exceeds its room: a group whose sites' limits are
   * tighter than its own then has no row, and its sites become independent parts.
   */
  private addBlockRows(t: number): void {
    const { system, reservedA, limitOf, softLimitsA, peakConstraint } = this.input;
    const membersIn = this.blockMembers(t);
    const roomA = Float64Array.from({ length: system.constraintCount }, (_, c) =>
      Math.max(0, limitOf(c, t) - reservedA[c]),
    );
    const reachA = this.reachable(t, roomA);
    for (let c = 0; c < system.constraintCount; c++) {
      const members = membersIn(c);
      if (members.length > 0) {
        if (reachA[c] > roomA[c])
          this.addRow(roomA[c], { kind: 'capacity', constraint: c, block: t }, members);
        const softA = softLimitsA?.(c, t) ?? Infinity;
        if (reachA[c] + reservedA[c] > softA) this.addSoftRow(c, t, members, softA - reservedA[c], reachA[c]);
      }
      if (peakConstraint?.(c)) this.addPeakRow(c, t, members);
    }
  }

  /**
   * Per constraint, the most that can reach it in block t through the tree below it (on a total, each
   * session's maximum once per phase it loads), never more than the rooms of the constraints on the
   * way: a total no more than its node's phases let through.
   */
  private reachable(t: number, roomA: Float64Array): Float64Array {
    const { tree } = this;
    const { system } = this.input;
    const reachA = new Float64Array(roomA.length);
    this.input.sessions.forEach((session, s) => {
      const j = this.variableOf[s][t];
      if (j < 0) return;
      const leaves = tree.leavesOf[session.connector];
      const coefficients = this.leafCoefficients[s];
      for (let k = 0; k < leaves.length; k++) reachA[leaves[k]] += coefficients[k] * this.columns[j].upper;
    });
    for (const c of tree.deepestFirst) {
      if (system.phases[c] === TOTAL_PHASE) {
        const throughPhases = tree.phasesOfTotal[c].reduce(
          (sum, p) => sum + Math.min(roomA[p], reachA[p]),
          0,
        );
        reachA[c] = Math.min(reachA[c], throughPhases);
      }
      const parent = tree.parentOf[c];
      if (parent >= 0) reachA[parent] += Math.min(roomA[c], reachA[c]);
    }
    return reachA;
  }

  /** What connector i puts on constraint c per ampere: 1 on a phase, its phase count on a total. */
  private coefficient(i: number, c: number): number {
    const { system } = this.input;
    for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
      if (system.constraintsOf[k] === c) return system.coefficientsOf[k];
    }
    return 0;
  }

  /** The columns of the sessions loading each constraint in block t, with their coefficients. */
  private blockMembers(t: number): (c: number) => (readonly [number, number])[] {
    const { system } = this.input;
    const sessionOf = new Int32Array(system.connectorCount).fill(-1);
    this.input.sessions.forEach((session, s) => (sessionOf[session.connector] = s));
    return (c) => {
      const members: (readonly [number, number])[] = [];
      for (let k = system.memberStart[c]; k < system.memberStart[c + 1]; k++) {
        const s = sessionOf[system.members[k]];
        if (s >= 0 && this.variableOf[s][t] >= 0)
          members.push([this.variableOf[s][t], system.memberCoefficients[k]]);
      }
      return members;
    };
  }

  /** sum x − excess ≤ soft limit; the excess starts high enough to make the start feasible. */
  private addSoftRow(
    c: number,
    t: number,
    members: (readonly [number, number])[],
    softA: number,
    most: number,
  ): void {
    const upper = most + Math.max(0, -softA);
    const excess = this.addColumn(upper, 0, t, softA < 0);
    this.softColumns.push({ column: excess, hours: this.input.blockHours[t] });
    this.addRow(softA, { kind: 'soft', constraint: c, block: t }, [...members, [excess, -1] as const]);
  }

  /** sum x − peak ≤ −reserved: one peak column per node, shared by its phases and blocks. */
  private addPeakRow(c: number, t: number, members: (readonly [number, number])[]): void {
    const node = this.input.peakNodeOf?.(c) ?? String(c);
    let peak = this.peakColumnByNode.get(node);
    if (peak === undefined) {
      peak = this.addColumn(this.peakUpper, 0, t, true);
      this.peakColumnByNode.set(node, peak);
      this.peakColumns.push(peak);
    }
    this.addRow(-this.input.reservedA[c], { kind: 'peak', constraint: c, block: t }, [
      ...members,
      [peak, -1] as const,
    ]);
  }

  private readonly peakColumnByNode = new Map<string, number>();

  /** High enough for any peak node: every session at its maximum on top of every reservation. */
  private get peakUpper(): number {
    const sessions = this.input.sessions.reduce((sum, s) => sum + s.maxCurrentA, 0);
    const reserved = this.input.reservedA.reduce((sum, r) => Math.max(sum, r), 0);
    return sessions + reserved + 1;
  }
}
