import type { RankKey } from './bucket-order.js';
import type { ConstraintSystem } from './constraint-system.js';

/** Room left for rounding when checking that minimums fit. */
const FIT_TOLERANCE_A = 1e-9;
/** One constraint linking this share of the connectors or more leaves little to gain from groups. */
const WIDEST_GROUPED_SHARE = 0.5;
/** Tight sets whose lists are kept: a DSO's limit going in and out of tight makes a few recur. */
const TIGHT_SETS_KEPT = 4;

/**
 * Greedy admission of one block: along an order, a connector is admitted when its minimum still fits
 * on every constraint it loads, given the reservations (the currents of the connectors that cannot be
 * steered) and the minimums admitted before it; a minimum of 0 always fits. admitted[i] when connector
 * i may charge in the block; blockedBy[i] the first constraint its minimum missed, else -1.
 *
 * Only the tight constraints — where the reservations and all present minimums together could exceed
 * the limit — are checked and loaded: on the others every minimum fits in any order, since a partial
 * sum never exceeds the whole by more than its rounding, which the test leaves room for. In a large
 * group most constraints (feeders, most sites) are not tight, and a block's tight set is usually one
 * of a few seen before, so the shorter per-connector lists of the last few sets are kept.
 *
 * Connectors that share no tight constraint do not affect each other's admission, so the order may
 * take them group by group (e.g. site by site when the DSO's limit is not tight), each group in its
 * own order: the same result, with each group's data read together instead of all over memory.
 */
export class Admitter {
  readonly admitted: Uint8Array;
  readonly blockedBy: Int32Array;
  /** Reservations plus the minimums of all present: kept while the same candidates are present. */
  private readonly minimumLoadsA: Float64Array;
  private minimumLoadsStale = true;
  private readonly usedA: Float64Array;
  /** The current block's tight constraints, and the lists of the last few tight sets, latest first. */
  private readonly tight: Uint8Array;
  private widestTight = 0;
  private readonly kept: TightLists[] = [];
  /** Scratch of the union-find. */
  private readonly parentOf: Int32Array;
  private readonly groupOfRoot: Int32Array;

  constructor(
    private readonly system: ConstraintSystem,
    private readonly reservedA: Float64Array,
    private readonly minimumsA: Float64Array,
  ) {
    const n = system.connectorCount;
    const m = system.constraintCount;
    this.admitted = new Uint8Array(n);
    this.blockedBy = new Int32Array(n);
    this.minimumLoadsA = new Float64Array(m);
    this.usedA = new Float64Array(m);
    this.tight = new Uint8Array(m);
    this.parentOf = new Int32Array(m);
    this.groupOfRoot = new Int32Array(m);
  }

  /** The present candidates are no longer those of the block before. */
  candidatesChanged(): void {
    this.minimumLoadsStale = true;
  }

  /**
   * `orderOf` is called only when the minimums do not all fit, with the groups of connectors to take
   * one after the other (a key more significant than its own) when there are several.
   */
  admit(
    limitsA: Float64Array,
    present: ArrayLike<number>,
    orderOf: (groups?: RankKey) => ArrayLike<number>,
  ): void {
    const { admitted, blockedBy } = this;
    admitted.fill(0);
    blockedBy.fill(-1);
    if (this.minimumLoadsStale) this.sumMinimumLoads(present);
    this.minimumLoadsStale = false;
    if (this.allMinimumsFit(limitsA)) {
      for (let k = 0; k < present.length; k++) admitted[present[k]] = 1;
      return;
    }
    this.markTight(limitsA);
    const lists = this.listsOfTight();
    this.usedA.set(this.reservedA);
    // Group 0, the connectors without a tight constraint, and one other group: nothing to gain.
    const groups = lists.groupCount > 2 ? { ranks: lists.groupOf, count: lists.groupCount } : undefined;
    const order = orderOf(groups);
    for (let k = 0; k < order.length; k++) this.admitOne(order[k], limitsA, lists);
  }

  private sumMinimumLoads(present: ArrayLike<number>): void {
    const out = this.minimumLoadsA;
    out.set(this.reservedA);
    const { unitCoefficients, coefficientsOf, constraintStart, constraintsOf } = this.system;
    for (let k = 0; k < present.length; k++) {
      const i = present[k];
      const minimum = this.minimumsA[i];
      for (let j = constraintStart[i]; j < constraintStart[i + 1]; j++) {
        out[constraintsOf[j]] += unitCoefficients ? minimum : coefficientsOf[j] * minimum;
      }
    }
  }

  private allMinimumsFit(limitsA: Float64Array): boolean {
    const loads = this.minimumLoadsA;
    for (let c = 0; c < loads.length; c++) {
      if (loads[c] > 0 && loads[c] > limitsA[c] + FIT_TOLERANCE_A) return false;
    }
    return true;
  }

  /**
   * A float sum of n non-negative terms is within a factor (1 ± n·ε/2) of the exact one, so a partial
   * sum in another order (the admission's) stays below the whole (minimumLoadsA) times about
   * (1 + n·ε): a constraint whose whole, times (1 + 4n·ε), fits its limit can refuse no minimum.
   */
  private markTight(limitsA: Float64Array): void {
    const { memberStart, connectorCount } = this.system;
    const { tight, minimumLoadsA } = this;
    this.widestTight = 0;
    for (let c = 0; c < tight.length; c++) {
      const terms = memberStart[c + 1] - memberStart[c] + 1;
      const mostA = minimumLoadsA[c] * (1 + 4 * terms * Number.EPSILON);
      tight[c] = mostA <= limitsA[c] + FIT_TOLERANCE_A ? 0 : 1;
      if (tight[c] === 1) this.widestTight = Math.max(this.widestTight, (terms - 1) / connectorCount);
    }
  }

  /** The kept lists of the current tight set, or new ones in place of the least recent. */
  private listsOfTight(): TightLists {
    const { kept, tight } = this;
    let at = kept.findIndex((lists) => sameBytes(lists.tight, tight));
    if (at < 0) {
      at = kept.length < TIGHT_SETS_KEPT ? kept.push(new TightLists(this.system)) - 1 : kept.length - 1;
      kept[at].tight.set(tight);
      kept[at].list(this.system);
      if (this.widestTight < WIDEST_GROUPED_SHARE) this.group(kept[at]);
      else kept[at].groupCount = 1;
    }
    const [lists] = kept.splice(at, 1);
    kept.unshift(lists);
    return lists;
  }

  /** Union-find over the tight constraints each connector links; groups numbered by first connector. */
  private group(lists: TightLists): void {
    const { start, of, groupOf } = lists;
    const { parentOf, groupOfRoot } = this;
    const rootOf = (c: number) => {
      while (parentOf[c] !== c) c = parentOf[c] = parentOf[parentOf[c]];
      return c;
    };
    for (let c = 0; c < parentOf.length; c++) parentOf[c] = c;
    groupOfRoot.fill(0);
    for (let i = 0; i < groupOf.length; i++) {
      for (let j = start[i] + 1; j < start[i + 1]; j++) parentOf[rootOf(of[j])] = rootOf(of[start[i]]);
    }
    let count = 1;
    for (let i = 0; i < groupOf.length; i++) {
      if (start[i] === start[i + 1]) {
        groupOf[i] = 0;
        continue;
      }
      const root = rootOf(of[start[i]]);
      if (groupOfRoot[root] === 0) groupOfRoot[root] = count++;
      groupOf[i] = groupOfRoot[root];
    }
    lists.groupCount = count;
  }

  private admitOne(i: number, limitsA: Float64Array, { start, of, coefficients }: TightLists): void {
    const { usedA } = this;
    const { unitCoefficients } = this.system;
    const minimum = this.minimumsA[i];
    const from = start[i];
    const to = start[i + 1];
    if (minimum > 0) {
      for (let j = from; j < to; j++) {
        const c = of[j];
        const loadA = unitCoefficients ? minimum : coefficients[j] * minimum;
        if (usedA[c] + loadA > limitsA[c] + FIT_TOLERANCE_A) {
          this.blockedBy[i] = c;
          return;
        }
      }
    }
    this.admitted[i] = 1;
    for (let j = from; j < to; j++) {
      usedA[of[j]] += unitCoefficients ? minimum : coefficients[j] * minimum;
    }
  }
}

/** One tight set, each connector's tight constraints in its list order, and the groups they link. */
class TightLists {
  readonly tight: Uint8Array;
  /** of[start[i] .. start[i + 1]) are connector i's tight constraints; coefficients beside them. */
  readonly start: Int32Array;
  readonly of: Int32Array;
  /** Empty when every coefficient is 1. */
  readonly coefficients: Float64Array;
  /** Per connector, its group of connectors linked by tight constraints (0: none), numbered from 1. */
  readonly groupOf: Int32Array;
  groupCount = 1;

  constructor(system: ConstraintSystem) {
    const pairs = system.constraintsOf.length;
    this.tight = new Uint8Array(system.constraintCount);
    this.start = new Int32Array(system.connectorCount + 1);
    this.of = new Int32Array(pairs);
    this.coefficients = new Float64Array(system.unitCoefficients ? 0 : pairs);
    this.groupOf = new Int32Array(system.connectorCount);
  }

  list({
    constraintStart,
    constraintsOf,
    coefficientsOf,
    connectorCount,
    unitCoefficients,
  }: ConstraintSystem): void {
    const { tight, start, of, coefficients } = this;
    let at = 0;
    for (let i = 0; i < connectorCount; i++) {
      start[i] = at;
      for (let j = constraintStart[i]; j < constraintStart[i + 1]; j++) {
        if (tight[constraintsOf[j]] === 0) continue;
        if (!unitCoefficients) coefficients[at] = coefficientsOf[j];
        of[at++] = constraintsOf[j];
      }
    }
    start[connectorCount] = at;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
