/** A structural column: its non-zero entries and its bounds [0, upper]. */
export interface LpColumn {
  rows: readonly number[];
  values: readonly number[];
  upper: number;
  /** Start at the upper bound instead of 0 (auxiliary variables such as a peak), to keep the start feasible. */
  startAtUpper?: boolean;
}

const AT_LOWER = 0;
const AT_UPPER = 1;
const BASIC = 2;
/** Held at a bound for good: moving it would worsen an objective already optimised. */
const FIXED_LOWER = 3;
const FIXED_UPPER = 4;

/** Below this a reduced cost or a pivot element counts as zero. */
const OPTIMALITY_TOLERANCE = 1e-9;
const PIVOT_TOLERANCE = 1e-9;
/** Entries of a transformed column below this are dropped from the eta file. */
const DROP_TOLERANCE = 1e-13;
/** After this many degenerate pivots in a row, Bland's rule takes over until progress is made: no cycling. */
const DEGENERATE_STREAK = 50;
const MAX_PIVOTS_PER_COLUMN = 50;
/** Partial pricing looks at 1 / PRICING_SEGMENTS of the columns, and at least PRICING_SEGMENT of them, per step. */
const PRICING_SEGMENTS = 256;
const PRICING_SEGMENT = 256;
/** The basis is factorised again after this many pivots: a short eta file keeps the solves fast and exact. */
const REINVERT_PIVOTS = 80;
/**
 * A large factorisation is refactorised less often: refactorising costs about the square of its etas,
 * a longer eta file only linearly more per pivot (10,000 connectors: 12,000 etas, 36 refactorisations
 * took 6 s of the 10 s of the energy stage).
 */
const FACTOR_ETAS_PER_REINVERT_PIVOT = 16;

/**
 * The product-form inverse as one flat file of elementary transformations, each a pivot row, its pivot
 * and the pivot column's other non-zero rows and values: typed arrays, so that applying it allocates
 * nothing and skips untouched etas at the cost of one read.
 */
class EtaFile {
  count = 0;
  rows = new Int32Array(256);
  pivots = new Float64Array(256);
  /** Eta e's entries are entryRows/entryValues[starts[e], starts[e + 1]). */
  starts = new Int32Array(257);
  entryRows = new Int32Array(4096);
  entryValues = new Float64Array(4096);

  clear(): void {
    this.count = 0;
  }

  /** Appends the eta pivoting on `row` of the transformed column `column` (its non-zeros in `columnRows`). */
  push(row: number, column: Float64Array, columnRows: Int32Array, columnRowCount: number): void {
    if (this.count + 1 >= this.rows.length) this.growEtas();
    const start = this.starts[this.count];
    if (start + columnRowCount > this.entryRows.length) this.growEntries(start + columnRowCount);
    let end = start;
    for (let k = 0; k < columnRowCount; k++) {
      const r = columnRows[k];
      if (r === row || Math.abs(column[r]) <= DROP_TOLERANCE) continue;
      this.entryRows[end] = r;
      this.entryValues[end++] = column[r];
    }
    this.rows[this.count] = row;
    this.pivots[this.count] = column[row];
    this.starts[++this.count] = end;
  }

  private growEtas(): void {
    const size = this.rows.length * 2;
    this.rows = grown(this.rows, new Int32Array(size));
    this.pivots = grown(this.pivots, new Float64Array(size));
    this.starts = grown(this.starts, new Int32Array(size + 1));
  }

  private growEntries(needed: number): void {
    const size = Math.max(needed, this.entryRows.length * 2);
    this.entryRows = grown(this.entryRows, new Int32Array(size));
    this.entryValues = grown(this.entryValues, new Float64Array(size));
  }
}

function grown<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * A bounded-variable primal simplex (revised, product-form inverse refactorised every few dozen
 * pivots) for `A x + s = b, 0 <= x <= upper, s >= 0` with `b >= A·(start values)`, so that the slack
 * basis is a feasible start and no phase 1 is needed. Objectives are minimised one after another from
 * the same basis (`minimize`, then `keepOptimal`): exact lexicographic optimisation, because fixing
 * every nonbasic variable whose reduced cost is not zero leaves exactly the optimal face.
 * Deterministic: Dantzig pricing with ties to the lowest index, Bland's rule after a run of degenerate
 * pivots.
 */
export class BoundedSimplex {
  private readonly m: number;
  private readonly n: number;
  private readonly etas = new EtaFile();
  /** Whether the basis changed since the duals were computed. */
  private dualsStale = true;
  /** Where partial pricing resumes. */
  private priceFrom = 0;
  /** How many of the etas are the last factorisation's. */
  private factorEtas = 0;
  /** basis[r]: the variable basic in row r (structural j < n, slack of row r' as n + r'). */
  private readonly basis: Int32Array;
  /** The row a basic variable sits in, -1 for a nonbasic one. */
  private readonly position: Int32Array;
  private readonly status: Uint8Array;
  private readonly basicValues: Float64Array;
  private readonly uppers: Float64Array;
  private readonly duals: Float64Array;
  /** The transformed column of the current step, dense, with the rows it may be non-zero in. */
  private readonly column: Float64Array;
  private readonly columnRows: Int32Array;
  private columnRowCount = 0;
  private readonly inColumn: Uint8Array;
  private costs: Float64Array;
  pivots = 0;

  private readonly rhs: number[];
  /** The matrix by column (own copy: `detach` zeroes entries). */
  private readonly colStart: Int32Array;
  private readonly colRow: Int32Array;
  private readonly colValue: Float64Array;

  constructor(rhs: readonly number[], columns: readonly LpColumn[]) {
    this.rhs = [...rhs];
    this.m = rhs.length;
    this.n = columns.length;
    const { m, n } = this;
    this.colStart = new Int32Array(n + 1);
    columns.forEach((col, j) => (this.colStart[j + 1] = this.colStart[j] + col.rows.length));
    const nnz = this.colStart[n];
    this.colRow = new Int32Array(nnz);
    this.colValue = new Float64Array(nnz);
    columns.forEach((col, j) => {
      this.colRow.set(col.rows, this.colStart[j]);
      this.colValue.set(col.values, this.colStart[j]);
    });
    this.basis = Int32Array.from({ length: m }, (_, r) => n + r);
    this.position = new Int32Array(n + m).fill(-1);
    for (let r = 0; r < m; r++) this.position[n + r] = r;
    this.status = new Uint8Array(n + m);
    this.uppers = new Float64Array(n + m).fill(Infinity);
    this.basicValues = Float64Array.from(rhs);
    columns.forEach((col, j) => {
      this.uppers[j] = col.upper;
      if (!col.startAtUpper) return;
      this.status[j] = AT_UPPER;
      col.rows.forEach((r, k) => (this.basicValues[r] -= col.values[k] * col.upper));
    });
    for (let r = 0; r < m; r++) {
      this.status[n + r] = BASIC;
      if (this.basicValues[r] < -1e-9) throw new Error(`Row ${r} starts infeasible (${this.basicValues[r]})`);
      this.basicValues[r] = Math.max(0, this.basicValues[r]);
    }
    this.duals = new Float64Array(m);
    this.column = new Float64Array(m);
    this.columnRows = new Int32Array(m);
    this.inColumn = new Uint8Array(m);
    this.costs = new Float64Array(n);
  }

  /**
   * Before the first pivot: puts the columns that lower `costs` at their upper bound, the most
   * improving first, as long as every row keeps its slack — a feasible start much nearer the optimum
   * than all zeros, so that the simplex needs fewer steps. A column that fits only part-way, held by
   * one row that no column made basic here touches (e.g. a session's energy row: the rest of what it
   * wants), takes that part and becomes basic in that row, whose slack leaves the basis: the basis
   * stays triangular, so non-singular, and each such column saves the simplex a pivot.
   */
  crash(costs: Float64Array): void {
    if (this.pivots > 0) throw new Error('crash only applies to the starting basis');
    const candidates = Array.from({ length: this.n }, (_, j) => j)
      .filter((j) => costs[j] < 0 && this.status[j] === AT_LOWER && this.uppers[j] < Infinity)
      .sort((a, b) => costs[a] - costs[b] || a - b);
    const { colStart, colRow, colValue, n } = this;
    // basicValues are the rows' slacks until the crash's basic columns take their rows below.
    const slacks = this.basicValues;
    const touchedByBasic = new Uint8Array(this.m);
    // A row a crash-basic column holds has no slack to give or take: its column's value would move.
    const held = new Uint8Array(this.m);
    const basics: [number, number][] = [];
    for (const j of candidates) {
      let most = this.uppers[j];
      let holding = -1;
      let blocked = false;
      for (let k = colStart[j]; k < colStart[j + 1]; k++) blocked ||= held[colRow[k]] === 1;
      if (blocked) continue;
      for (let k = colStart[j]; k < colStart[j + 1]; k++) {
        if (colValue[k] <= 0) continue;
        const ratio = slacks[colRow[k]] / colValue[k];
        if (ratio < most) [most, holding] = [ratio, colRow[k]];
      }
      if (holding >= 0 && (most <= PIVOT_TOLERANCE || touchedByBasic[holding] === 1)) continue;
      for (let k = colStart[j]; k < colStart[j + 1]; k++) slacks[colRow[k]] -= colValue[k] * most;
      if (holding < 0) {
        this.status[j] = AT_UPPER;
        continue;
      }
      slacks[holding] = 0;
      held[holding] = 1;
      for (let k = colStart[j]; k < colStart[j + 1]; k++) touchedByBasic[colRow[k]] = 1;
      basics.push([j, holding]);
    }
    for (let r = 0; r < this.m; r++) slacks[r] = Math.max(0, slacks[r]);
    if (basics.length === 0) return;
    for (const [j, r] of basics) {
      this.basis[r] = j;
      this.position[j] = r;
      this.status[j] = BASIC;
      this.status[n + r] = AT_LOWER;
      this.position[n + r] = -1;
    }
    this.reinvert();
  }

  /**
   * Minimises costs·x from the current basis; returns the optimum. With a `pivotBudget`, stops after
   * that many pivots at the (feasible) point reached, and returns its objective: then `keepOptimal`
   * keeps that value (not the optimum) for the later objectives.
   */
  minimize(costs: Float64Array, pivotBudget = Infinity): number {
    this.costs = costs;
    this.dualsStale = true;
    const limit = MAX_PIVOTS_PER_COLUMN * (this.n + this.m) + 1000;
    const lastPivot = this.pivots + pivotBudget;
    let degenerate = 0;
    for (let iteration = 0; this.pivots < lastPivot; iteration++) {
      if (iteration > limit) throw new Error('Simplex did not converge');
      // A bound flip keeps the basis, and so the duals.
      if (this.dualsStale) this.computeDuals();
      const entering = this.price(degenerate >= DEGENERATE_STREAK);
      if (entering < 0) break;
      const step = this.step(entering);
      degenerate = step > 1e-12 ? 0 : degenerate + 1;
      if (this.etas.count >= this.factorEtas + this.reinvertPivots()) this.reinvert();
    }
    return this.objective(costs);
  }

  /**
   * After `minimize(costs)`: fixes every nonbasic variable whose reduced cost is not zero, so that later
   * objectives move only within the optimal face of this one. After a minimize stopped by its budget,
   * the same fixing keeps the objective at the value reached: a move of the free variables changes it
   * by their reduced costs, all zero.
   */
  keepOptimal(): void {
    this.computeDuals();
    for (let j = 0; j < this.n + this.m; j++) {
      const status = this.status[j];
      if (status !== AT_LOWER && status !== AT_UPPER) continue;
      if (Math.abs(this.reducedCost(j)) <= OPTIMALITY_TOLERANCE) continue;
      this.status[j] = status === AT_LOWER ? FIXED_LOWER : FIXED_UPPER;
    }
  }

  /** The dual of row r for the last objective minimised (≤ 0: a tight row that holds the objective back). */
  dual(r: number): number {
    if (this.dualsStale) this.computeDuals();
    return this.duals[r];
  }

  /**
   * Takes column j out of the given rows and gives them new right-hand sides, updating the inverse.
   * The caller keeps the current point feasible (e.g. by moving column j's current contribution into
   * the right-hand side). A basic variable whose column no longer spans a row is fixed at its value.
   */
  detach(j: number, rows: readonly number[], rhs: readonly number[]): void {
    rows.forEach((r, k) => {
      for (let e = this.colStart[j]; e < this.colStart[j + 1]; e++) {
        if (this.colRow[e] !== r) continue;
        this.colValue[e] = 0;
      }
      this.rhs[r] = rhs[k];
    });
    const p = this.position[j];
    if (p < 0) return this.recomputeBasicValues();
    // The basis changed in one column: one more eta replaces it, unless that would be singular.
    this.loadColumn(j);
    if (Math.abs(this.column[p]) <= PIVOT_TOLERANCE) return this.reinvert();
    this.pushEta(p);
    this.dualsStale = true;
    this.recomputeBasicValues();
  }

  value(j: number): number {
    const status = this.status[j];
    if (status === BASIC) return this.basicValues[this.position[j]];
    return status === AT_UPPER || status === FIXED_UPPER ? this.uppers[j] : 0;
  }

  /** The slack of row r: 0 when the row is tight. */
  slack(r: number): number {
    return this.value(this.n + r);
  }

  private objective(costs: Float64Array): number {
    let total = 0;
    for (let j = 0; j < this.n; j++) if (costs[j] !== 0) total += costs[j] * this.value(j);
    return total;
  }

  /** v := B⁻¹ v, applying the etas in order. */
  private ftran(v: Float64Array): void {
    const { count, rows, pivots, starts, entryRows, entryValues } = this.etas;
    for (let e = 0; e < count; e++) {
      const t = v[rows[e]] / pivots[e];
      v[rows[e]] = t;
      if (t === 0) continue;
      for (let k = starts[e]; k < starts[e + 1]; k++) v[entryRows[k]] -= entryValues[k] * t;
    }
  }

  /** y := yᵀ B⁻¹, applying the etas in reverse order. */
  private btran(y: Float64Array): void {
    const { count, rows, pivots, starts, entryRows, entryValues } = this.etas;
    for (let e = count - 1; e >= 0; e--) {
      let sum = y[rows[e]];
      for (let k = starts[e]; k < starts[e + 1]; k++) sum -= y[entryRows[k]] * entryValues[k];
      y[rows[e]] = sum / pivots[e];
    }
  }

  private computeDuals(): void {
    this.dualsStale = false;
    const { m, duals } = this;
    for (let r = 0; r < m; r++) duals[r] = this.costOf(this.basis[r]);
    this.btran(duals);
  }

  private costOf(j: number): number {
    return j < this.n ? this.costs[j] : 0;
  }

  private reducedCost(j: number): number {
    if (j >= this.n) return -this.duals[j - this.n];
    const { colStart, colRow, colValue, duals } = this;
    let d = this.costs[j];
    for (let k = colStart[j]; k < colStart[j + 1]; k++) d -= duals[colRow[k]] * colValue[k];
    return d;
  }

  /**
   * The entering variable, or -1 at the optimum. Partial pricing: the steepest improving variable of
   * the next segment that has one, segments taken in turn (deterministic); Bland: the first improving
   * index overall.
   */
  private price(bland: boolean): number {
    const total = this.n + this.m;
    if (bland) return this.bestIn(0, total, true);
    const segment = Math.max(PRICING_SEGMENT, Math.ceil(total / PRICING_SEGMENTS));
    // priceFrom is always a multiple of the segment, so one turn visits every segment once.
    for (let turn = Math.ceil(total / segment); turn > 0; turn--) {
      const from = this.priceFrom;
      const to = Math.min(total, from + segment);
      this.priceFrom = to === total ? 0 : to;
      const best = this.bestIn(from, to, false);
      if (best >= 0) return best;
    }
    return -1;
  }

  /** How much entering j would lower the objective per unit moved (≤ tolerance: not at all). */
  private score(j: number): number {
    const status = this.status[j];
    if ((status !== AT_LOWER && status !== AT_UPPER) || this.uppers[j] === 0) return 0;
    const d = this.reducedCost(j);
    return status === AT_LOWER ? -d : d;
  }

  private bestIn(from: number, to: number, first: boolean): number {
    let best = -1;
    let bestScore = OPTIMALITY_TOLERANCE;
    for (let j = from; j < to; j++) {
      const score = this.score(j);
      if (score <= bestScore) continue;
      if (first) return j;
      best = j;
      bestScore = score;
    }
    return best;
  }

  /** column := B⁻¹ a_j, kept sparse: only the rows in columnRows can be non-zero. */
  private loadColumn(j: number): void {
    const { column, columnRows, inColumn } = this;
    for (let k = 0; k < this.columnRowCount; k++) {
      column[columnRows[k]] = 0;
      inColumn[columnRows[k]] = 0;
    }
    this.columnRowCount = 0;
    if (j >= this.n) this.touch(j - this.n, 1);
    else {
      for (let k = this.colStart[j]; k < this.colStart[j + 1]; k++)
        this.touch(this.colRow[k], this.colValue[k]);
    }
    const { count, rows, pivots, starts, entryRows, entryValues } = this.etas;
    for (let e = 0; e < count; e++) {
      const t = column[rows[e]];
      if (t === 0) continue;
      const x = t / pivots[e];
      column[rows[e]] = x;
      for (let k = starts[e]; k < starts[e + 1]; k++) this.touch(entryRows[k], -entryValues[k] * x);
    }
  }

  private touch(r: number, delta: number): void {
    if (this.inColumn[r] === 0) {
      this.inColumn[r] = 1;
      this.columnRows[this.columnRowCount++] = r;
    }
    this.column[r] += delta;
  }

  /** One pivot or bound flip with `entering`; returns the step length. */
  private step(entering: number): number {
    this.loadColumn(entering);
    const { column, columnRows, columnRowCount, basicValues, basis, uppers } = this;
    const direction = this.status[entering] === AT_LOWER ? 1 : -1;
    let theta = uppers[entering];
    let leaving = -1;
    let leavingPivot = 0;
    for (let k = 0; k < columnRowCount; k++) {
      const r = columnRows[k];
      const alpha = direction * column[r];
      let ratio: number;
      if (alpha > PIVOT_TOLERANCE) ratio = basicValues[r] / alpha;
      else if (alpha < -PIVOT_TOLERANCE && uppers[basis[r]] !== Infinity)
        ratio = (uppers[basis[r]] - basicValues[r]) / -alpha;
      else continue;
      ratio = Math.max(0, ratio);
      const better =
        ratio < theta - 1e-12 ||
        (ratio <= theta + 1e-12 && leaving >= 0 && Math.abs(alpha) > Math.abs(leavingPivot));
      if (!better) continue;
      theta = ratio;
      leaving = r;
      leavingPivot = alpha;
    }
    if (theta === Infinity) throw new Error('Unbounded LP');
    if (theta > 0) {
      for (let k = 0; k < columnRowCount; k++)
        basicValues[columnRows[k]] -= direction * theta * column[columnRows[k]];
    }
    if (leaving < 0) {
      this.status[entering] = this.status[entering] === AT_LOWER ? AT_UPPER : AT_LOWER;
      return theta;
    }
    const enteringValue =
      (this.status[entering] === AT_LOWER ? 0 : this.uppers[entering]) + direction * theta;
    const leavingVar = basis[leaving];
    this.pushEta(leaving);
    basis[leaving] = entering;
    basicValues[leaving] = enteringValue;
    this.status[entering] = BASIC;
    this.position[entering] = leaving;
    this.status[leavingVar] = leavingPivot > 0 ? AT_LOWER : AT_UPPER;
    this.position[leavingVar] = -1;
    this.pivots++;
    this.dualsStale = true;
    return theta;
  }

  /** Appends the eta of the transformed column now in `column`, pivoting on `row`. */
  private pushEta(row: number): void {
    this.etas.push(row, this.column, this.columnRows, this.columnRowCount);
  }

  /** Pivots between refactorisations: REINVERT_PIVOTS, more for a large factorisation. */
  private reinvertPivots(): number {
    return Math.max(REINVERT_PIVOTS, Math.floor(this.factorEtas / FACTOR_ETAS_PER_REINVERT_PIVOT));
  }

  /**
   * Factorises the basis again from the identity: basic slacks stay in their own rows, each basic
   * structural column takes the free row where its transformed entry is largest. Then the basic values
   * are recomputed from b, so that rounding does not pile up.
   */
  private reinvert(): void {
    const { m, n, column } = this;
    const basic = Array.from(this.basis);
    const values = basic.map((j) => this.value(j));
    this.etas.clear();
    const taken = new Uint8Array(m);
    for (const j of basic) if (j >= n) taken[j - n] = 1;
    basic.forEach((j, k) => {
      if (j >= n) return;
      this.loadColumn(j);
      let row = -1;
      for (let k = 0; k < this.columnRowCount; k++) {
        const r = this.columnRows[k];
        if (taken[r] === 1 || Math.abs(column[r]) <= PIVOT_TOLERANCE) continue;
        if (row < 0 || Math.abs(column[r]) > Math.abs(column[row])) row = r;
      }
      if (row < 0) return this.fixAt(j, values[k]);
      taken[row] = 1;
      this.pushEta(row);
      this.basis[row] = j;
      this.position[j] = row;
    });
    for (const j of basic) {
      if (j < n) continue;
      this.basis[j - n] = j;
      this.position[j] = j - n;
    }
    // Rows left without a basic variable (a column fixed above) take their own slack.
    for (let r = 0; r < m; r++) {
      if (taken[r] === 1) continue;
      this.basis[r] = n + r;
      this.position[n + r] = r;
      this.status[n + r] = BASIC;
    }
    this.factorEtas = this.etas.count;
    this.dualsStale = true;
    this.recomputeBasicValues();
  }

  /** A basic column that no longer spans a row of the basis leaves it, fixed where it is. */
  private fixAt(j: number, value: number): void {
    this.position[j] = -1;
    if (value <= 0) {
      this.status[j] = FIXED_LOWER;
      return;
    }
    this.uppers[j] = value;
    this.status[j] = FIXED_UPPER;
  }

  /** x_B = B⁻¹ (b − A_N x_N). */
  private recomputeBasicValues(): void {
    const { m, n } = this;
    const residual = Float64Array.from(this.rhs);
    for (let j = 0; j < n + m; j++) {
      if (this.status[j] === BASIC) continue;
      const x = this.value(j);
      if (x === 0) continue;
      if (j >= n) residual[j - n] -= x;
      else
        for (let k = this.colStart[j]; k < this.colStart[j + 1]; k++)
          residual[this.colRow[k]] -= this.colValue[k] * x;
    }
    this.ftran(residual);
    this.basicValues.set(residual);
  }
}
