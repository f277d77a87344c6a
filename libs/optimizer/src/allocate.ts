import { admitInOrder, allMinimumsFit, type Admission } from './admission';
import { orderByBuckets } from './bucket-order';
import { TOTAL_PHASE } from './capacity-tree';
import { blockLimits, buildConstraintSystem, limitName, type ConstraintSystem } from './constraint-system';
import type {
  AllocationInput,
  AllocationOptions,
  AllocationPlan,
  BindingReason,
  ConnectorAllocation,
  ConnectorDemand,
  ConnectorExplanation,
  NodeLoad,
} from './model';
import { WeightedFiller } from './weighted-fill';

const DEFAULT_MIN_ON_SECONDS = 900;
const DEFAULT_MIN_OFF_SECONDS = 900;
const NO_SESSION_CODE = -1;
const UNCONTROLLABLE_CODE = -2;
const OWN_MAXIMUM_CODE = -3;
const DEPARTED_CODE = -4;
const ENERGY_MET_CODE = -5;
const ENERGY_NEED_CODE = -6;
const NO_EV = 0;
const UNCONTROLLABLE = 1;
const STEERABLE = 2;
const PRESENT = 0;
const DEPARTED = 1;
const ENERGY_MET = 2;
const PLANNED_ELSEWHERE = 3;
/** Room left for rounding when raising a guaranteed floor. */
const FLOOR_TOLERANCE_A = 1e-9;
/** A session with less than this left to charge is done. */
const ENERGY_TOLERANCE_WH = 1e-6;
const MS_PER_HOUR = 3_600_000;
/** Phase-to-neutral 230 V per loaded phase; line-to-line 400 V for a 2-phase connector. */
const DEFAULT_WATTS_PER_AMPERE = [230, 400, 690] as const;

/**
 * The optimizer's entry point. Per block: connectors that cannot be steered are reserved at their
 * maximum; sessions that have left or got their energy drop out; the others are admitted by priority,
 * then anti-flapping, then urgency, then rotation of the paused, then precedence, as long as their
 * minimums fit (an order is only computed when they do not all fit); the admitted ones get the exact
 * weighted max-min fair share of every node-phase above them, never below their minimum nor above
 * their maximum or the energy they still want. Blocks are planned in order because each block's
 * on/off states and energy decide the next. Deterministic: time comes only from the blocks.
 */
export function allocate(
  input: AllocationInput,
  options: AllocationOptions = {},
  targets?: BlockTargets,
): AllocationPlan {
  const system = buildConstraintSystem(input, { totalLimits: true });
  const planner = new BlockPlanner(input, system, options, targets);
  const n = input.connectors.length;
  const m = system.constraintCount;
  // Block-major typed arrays: each block is one contiguous copy, transposed once at the end.
  const currentsA = new Float64Array(n * input.blocks.length);
  const reasonCodes = new Int32Array(n * input.blocks.length);
  const constraintLoadsA = new Float64Array(m * input.blocks.length);
  const bound = new Uint8Array(m);
  input.blocks.forEach((block, b) => {
    planner.plan(b, Date.parse(block.start), block.end === null ? Infinity : Date.parse(block.end));
    currentsA.set(planner.filler.currentsA, b * n);
    for (let i = 0; i < n; i++) {
      const code = planner.reasonCode(i);
      reasonCodes[b * n + i] = code;
      if (code >= 0) bound[code % m] = 1;
    }
    for (let c = 0; c < m; c++) constraintLoadsA[b * m + c] = planner.filler.loadOf(c);
  });
  const reasons = reasonsByCode(system);
  const allocations: ConnectorAllocation[] = [];
  const explanations: ConnectorExplanation[] = [];
  input.connectors.forEach((c, i) => {
    const limits: number[] = [];
    const why: BindingReason[] = [];
    for (let at = i; at < currentsA.length; at += n) {
      limits.push(currentsA[at]);
      why.push(reasons(reasonCodes[at]));
    }
    allocations.push({ connectorId: c.id, limitsA: limits });
    explanations.push({ connectorId: c.id, priority: c.priority ?? 1, reasons: why });
  });
  return { allocations, explanations, nodeLoads: nodeLoads(input, system, constraintLoadsA, bound) };
}

/**
 * A horizon plan for `allocate` to follow (`optimizeHorizon`): per block and connector (block-major),
 * the current the plan gives it, NaN where it has none (then `allocate`'s own rule applies). A target
 * of 0 keeps the session out of the block (its energy is planned elsewhere); a positive target is its
 * cap (never below its minimum) and, when the connector is `guaranteed`, also its floor wherever that
 * fits after the minimums of all admitted — admission by priority, rotation and the minimum still
 * decide who charges, exactly as without a plan.
 */
export interface BlockTargets {
  targetsA: Float64Array;
  guaranteed: Uint8Array;
}

/** Per node and block, the per-phase sums of the constraint loads; 0 where no connector draws. */
function nodeLoads(
  input: AllocationInput,
  system: ConstraintSystem,
  constraintLoadsA: Float64Array,
  bound: Uint8Array,
): NodeLoad[] {
  const m = system.constraintCount;
  const constraintsOf = new Map<string, number[]>();
  system.nodes.forEach((node, c) => constraintsOf.set(node.id, [...(constraintsOf.get(node.id) ?? []), c]));
  return input.nodes.map((node) => {
    const own = constraintsOf.get(node.id) ?? [];
    const loadsA = input.blocks.map((_, b) => {
      const perPhase: [number, number, number] = [0, 0, 0];
      for (const c of own) {
        const phase = system.phases[c];
        if (phase !== TOTAL_PHASE) perPhase[phase] = constraintLoadsA[b * m + c];
      }
      return perPhase;
    });
    return { nodeId: node.id, loadsA, bound: own.some((c) => bound[c] === 1) };
  });
}

/** The per-connector arrays of one input, reused by every block. */
class BlockPlanner {
  readonly filler: WeightedFiller;
  private readonly weights: Float64Array;
  private readonly minimumsA: Float64Array;
  private readonly maximaA: Float64Array;
  /** NO_EV, UNCONTROLLABLE or STEERABLE: read in every block, so kept out of the input objects. */
  private readonly roles: Uint8Array;
  private readonly capsA: Float64Array;
  private readonly floorsA: Float64Array;
  private readonly reservedA: Float64Array;
  private readonly limitsA: Float64Array;
  private readonly sortKeys: AdmissionSortKeys;
  /** The candidates by precedence, then input order: the last tie-break of the admission order. */
  private readonly candidatesByPrecedence: Int32Array;
  private readonly capOrder: Int32Array;
  private readonly floorOrder: Int32Array;
  /** Active, steerable connectors. */
  private readonly candidates: Int32Array;
  private readonly admission: Admission;
  private readonly charging: Uint8Array;
  private readonly sinceMs: Float64Array;
  private readonly minOnMs: number;
  private readonly minOffMs: number;
  private readonly departuresMs: Float64Array;
  /** Energy still wanted (Infinity when not declared), counted down block by block. */
  private readonly remainingWh: Float64Array;
  private readonly wattsPerAmpere: Float64Array;
  /** Why a candidate takes no part in the current block: PRESENT, DEPARTED or ENERGY_MET. */
  private readonly absence: Uint8Array;
  /** The candidates present in the current block, in input order and by precedence. */
  private present: Int32Array;
  private presentByPrecedence: Int32Array;
  /** Connectors whose cap in the current block is their remaining energy, not their maximum. */
  private readonly energyCapped: Uint8Array;
  private block = 0;

  constructor(
    input: AllocationInput,
    private readonly system: ConstraintSystem,
    options: AllocationOptions,
    private readonly targets?: BlockTargets,
  ) {
    const n = input.connectors.length;
    this.filler = new WeightedFiller(system);
    this.weights = Float64Array.from(input.connectors, (c) => c.priority ?? 1);
    this.minimumsA = Float64Array.from(input.connectors, (c) => c.minCurrentA);
    this.maximaA = Float64Array.from(input.connectors, (c) => c.maxCurrentA);
    this.roles = Uint8Array.from(input.connectors, (c) =>
      !c.active ? NO_EV : c.uncontrollable ? UNCONTROLLABLE : STEERABLE,
    );
    this.capsA = new Float64Array(n);
    this.floorsA = new Float64Array(n);
    this.limitsA = new Float64Array(system.constraintCount);
    this.reservedA = reservations(input.connectors, system);
    this.sortKeys = admissionSortKeys(input.connectors, this.weights);
    this.capOrder = sortedBy(n, (i) => input.connectors[i].maxCurrentA / this.weights[i]);
    this.floorOrder = sortedBy(n, (i) => this.minimumsA[i] / this.weights[i]);
    this.candidates = Int32Array.from(
      input.connectors.flatMap((c, i) => (c.active && !c.uncontrollable ? [i] : [])),
    );
    this.candidatesByPrecedence = sortedBy(this.candidates, (i) => input.connectors[i].precedence);
    this.admission = { admitted: new Uint8Array(n), blockedBy: new Int32Array(n) };
    this.charging = Uint8Array.from(input.connectors, (c) => (c.previous?.charging ? 1 : 0));
    this.sinceMs = Float64Array.from(input.connectors, (c) =>
      c.previous ? Date.parse(c.previous.since) : -Infinity,
    );
    this.minOnMs = (options.minOnSeconds ?? DEFAULT_MIN_ON_SECONDS) * 1000;
    this.minOffMs = (options.minOffSeconds ?? DEFAULT_MIN_OFF_SECONDS) * 1000;
    this.departuresMs = Float64Array.from(input.connectors, (c) =>
      c.departure === undefined ? Infinity : Date.parse(c.departure),
    );
    this.remainingWh = Float64Array.from(input.connectors, (c) => c.energyWantedWh ?? Infinity);
    this.wattsPerAmpere = Float64Array.from(input.connectors, wattsPerAmpere);
    this.absence = new Uint8Array(n);
    this.present = this.candidates;
    this.presentByPrecedence = this.candidatesByPrecedence;
    this.energyCapped = new Uint8Array(n);
  }

  plan(block: number, startMs: number, endMs: number): void {
    const hours = (endMs - startMs) / MS_PER_HOUR;
    this.block = block;
    blockLimits(this.system, block, this.limitsA);
    this.selectPresent(startMs);
    this.admit(startMs);
    let anyEnergyCapped = false;
    const { roles, maximaA, minimumsA, capsA, floorsA, energyCapped } = this;
    const { admitted } = this.admission;
    for (let i = 0; i < roles.length; i++) {
      energyCapped[i] = 0;
      if (roles[i] === UNCONTROLLABLE) {
        capsA[i] = floorsA[i] = maximaA[i];
      } else if (roles[i] === STEERABLE && admitted[i] === 1) {
        capsA[i] = this.capFor(i, hours);
        floorsA[i] = minimumsA[i];
        if (this.targets) this.followTarget(i);
        anyEnergyCapped ||= energyCapped[i] === 1;
      } else {
        capsA[i] = floorsA[i] = 0;
      }
    }
    if (this.targets) this.raiseGuaranteedFloors(this.targets.guaranteed);
    this.filler.fill({
      limitsA: this.limitsA,
      weights: this.weights,
      floorsA: this.floorsA,
      capsA: this.capsA,
      capOrder: anyEnergyCapped ? this.blockCapOrder() : this.capOrder,
      floorOrder: this.floorOrder,
    });
    this.recordOnOff(startMs);
    this.countDownEnergy(hours);
  }

  /** A number per reason, so that a block's reasons are stored without objects; see reasonsByCode. */
  reasonCode(i: number): number {
    const role = this.roles[i];
    if (role === NO_EV) return NO_SESSION_CODE;
    if (role === UNCONTROLLABLE) return UNCONTROLLABLE_CODE;
    if (this.absence[i] === DEPARTED) return DEPARTED_CODE;
    if (this.absence[i] === ENERGY_MET) return ENERGY_MET_CODE;
    if (this.absence[i] === PLANNED_ELSEWHERE) return ENERGY_NEED_CODE;
    const blockedBy = this.admission.blockedBy[i];
    if (blockedBy >= 0) return this.system.constraintCount + blockedBy;
    const binding = this.filler.binding[i];
    if (binding >= 0) return binding;
    return this.energyCapped[i] === 1 ? ENERGY_NEED_CODE : OWN_MAXIMUM_CODE;
  }

  /** Steerable sessions that have left or got their energy take no part from this block on. */
  private selectPresent(startMs: number): void {
    let departedOrDone = false;
    const { candidates } = this;
    for (let k = 0; k < candidates.length; k++) {
      const i = candidates[k];
      const absence =
        startMs >= this.departuresMs[i]
          ? DEPARTED
          : this.remainingWh[i] <= ENERGY_TOLERANCE_WH
            ? ENERGY_MET
            : this.targetOf(i) === 0
              ? PLANNED_ELSEWHERE
              : PRESENT;
      this.absence[i] = absence;
      departedOrDone ||= absence !== PRESENT;
    }
    this.present = departedOrDone
      ? this.candidates.filter((i) => this.absence[i] === PRESENT)
      : this.candidates;
    this.presentByPrecedence = departedOrDone
      ? this.candidatesByPrecedence.filter((i) => this.absence[i] === PRESENT)
      : this.candidatesByPrecedence;
  }

  /**
   * Its maximum, or less when a whole block at the maximum would deliver more than the energy still
   * wanted — but never below its minimum: the EV stops by itself when full.
   */
  private capFor(i: number, hours: number): number {
    // An open-ended block has no duration to spread the energy over.
    if (hours === Infinity) return this.maximaA[i];
    const neededA = this.remainingWh[i] / (this.wattsPerAmpere[i] * hours);
    if (!(neededA < this.maximaA[i])) return this.maximaA[i];
    this.energyCapped[i] = 1;
    return Math.max(this.minimumsA[i], neededA);
  }

  /** The horizon plan's current for connector i in the current block; NaN without one. */
  private targetOf(i: number): number {
    return this.targets ? this.targets.targetsA[this.block * this.roles.length + i] : NaN;
  }

  /** The cap lowered to the plan's target, not below the minimum. */
  private followTarget(i: number): void {
    const target = this.targetOf(i);
    if (!(target > 0)) return;
    const capA = Math.min(this.capsA[i], Math.max(this.minimumsA[i], target));
    if (capA < this.maximaA[i]) this.energyCapped[i] = 1;
    this.capsA[i] = capA;
  }

  /**
   * Guaranteed sessions get their cap (the plan's target) as floor, as far as it fits on every
   * constraint they load after the admitted minimums and the floors raised before, higher priority
   * first. Admission itself stays on the minimums, so who charges is decided as without a plan.
   */
  private raiseGuaranteedFloors(guaranteed: Uint8Array): void {
    const { system, floorsA, capsA, present } = this;
    const { constraintStart, constraintsOf, coefficientsOf } = system;
    const raising = present.filter((i) => guaranteed[i] === 1 && capsA[i] > floorsA[i]);
    if (raising.length === 0) return;
    const usedA = this.reservedA.slice();
    for (let k = 0; k < present.length; k++) {
      const i = present[k];
      for (let j = constraintStart[i]; j < constraintStart[i + 1]; j++) {
        usedA[constraintsOf[j]] += coefficientsOf[j] * floorsA[i];
      }
    }
    for (const i of sortedBy(raising, (i) => -this.weights[i])) {
      // As far as the room allows: part of the plan's current is better than only the minimum.
      let extraA = capsA[i] - floorsA[i];
      for (let j = constraintStart[i]; j < constraintStart[i + 1]; j++) {
        const c = constraintsOf[j];
        extraA = Math.min(extraA, (this.limitsA[c] - usedA[c]) / coefficientsOf[j]);
      }
      if (!(extraA > FLOOR_TOLERANCE_A)) continue;
      // Fixed there: the constraint that stopped the raise is full of floors, so it gets no more anyway.
      floorsA[i] += extraA;
      capsA[i] = floorsA[i];
      for (let j = constraintStart[i]; j < constraintStart[i + 1]; j++) {
        usedA[constraintsOf[j]] += coefficientsOf[j] * extraA;
      }
    }
  }

  /** The static cap order with the energy-capped connectors moved to where their lower cap puts them. */
  private blockCapOrder(): Int32Array {
    const { capsA, weights, energyCapped } = this;
    const lowered = sortedBy(
      this.present.filter((i) => energyCapped[i] === 1),
      (i) => capsA[i] / weights[i],
    );
    const merged = new Int32Array(this.capOrder.length);
    let next = 0;
    let l = 0;
    for (const i of this.capOrder) {
      if (energyCapped[i] === 1) continue;
      while (l < lowered.length && capsA[lowered[l]] / weights[lowered[l]] <= capsA[i] / weights[i]) {
        merged[next++] = lowered[l++];
      }
      merged[next++] = i;
    }
    while (l < lowered.length) merged[next++] = lowered[l++];
    return merged;
  }

  private countDownEnergy(hours: number): void {
    if (!Number.isFinite(hours)) return;
    const currents = this.filler.currentsA;
    const { present, remainingWh } = this;
    for (let k = 0; k < present.length; k++) {
      const i = present[k];
      remainingWh[i] -= currents[i] * this.wattsPerAmpere[i] * hours;
    }
  }

  private admit(startMs: number): void {
    const { admitted, blockedBy } = this.admission;
    admitted.fill(0);
    blockedBy.fill(-1);
    const args = [this.system, this.limitsA, this.reservedA, this.minimumsA] as const;
    if (allMinimumsFit(...args, this.present)) {
      for (let k = 0; k < this.present.length; k++) admitted[this.present[k]] = 1;
      return;
    }
    admitInOrder(...args, this.admissionOrder(startMs), this.admission);
  }

  /** Priority, then a session within its minimum on time, then urgency, then rotation, then precedence. */
  private admissionOrder(startMs: number): Int32Array {
    const { byPriority, byRotation, priorityRank, departureRank, span } = this.sortKeys;
    const { present } = this;
    for (let k = 0; k < present.length; k++) {
      const i = present[k];
      const inStateMs = startMs - this.sinceMs[i];
      const sticky = this.charging[i] === 1 && inStateMs < this.minOnMs;
      byPriority[i] = (priorityRank[i] * 2 + (sticky ? 0 : 1)) * span + departureRank[i];
      byRotation[i] = rotationKey(this.charging[i] === 1, inStateMs < this.minOffMs, this.sinceMs[i]);
    }
    return orderByBuckets(this.presentByPrecedence, byPriority, byRotation);
  }

  private recordOnOff(startMs: number): void {
    const currents = this.filler.currentsA;
    for (let i = 0; i < currents.length; i++) {
      const on = currents[i] > 0 ? 1 : 0;
      if (on === this.charging[i]) continue;
      this.charging[i] = on;
      this.sinceMs[i] = startMs;
    }
  }
}

/** Instants in ms fit well within this, so that one number orders the rotation class, then the instant. */
const ROTATION_CLASS_SPAN = 1e14;
const LONG_AGO_MS = -1e13;

/**
 * The longest-waiting paused session comes back first, unless it was paused only just now (then
 * last); among the charging ones, the longest-running gives way first.
 */
function rotationKey(charging: boolean, withinMinOff: boolean, sinceMs: number): number {
  const since = Math.max(sinceMs, LONG_AGO_MS);
  if (charging) return ROTATION_CLASS_SPAN - since;
  return withinMinOff ? 2 * ROTATION_CLASS_SPAN + since : since;
}

/** Per-connector numbers that order the admission: static ranks, and per-block keys built from them. */
interface AdmissionSortKeys {
  priorityRank: Float64Array;
  departureRank: Float64Array;
  /** More than the highest departure rank. */
  span: number;
  byPriority: Float64Array;
  byRotation: Float64Array;
}

function admissionSortKeys(connectors: readonly ConnectorDemand[], weights: Float64Array): AdmissionSortKeys {
  const n = connectors.length;
  const departures = connectors.map((c) => (c.departure === undefined ? Infinity : Date.parse(c.departure)));
  const departureRank = denseRanks(departures);
  return {
    priorityRank: denseRanks(Array.from(weights, (w) => -w)),
    departureRank,
    span: n + 1,
    byPriority: new Float64Array(n),
    byRotation: new Float64Array(n),
  };
}

/** 0 for the smallest value, 1 for the next distinct one, and so on. */
function denseRanks(values: readonly number[]): Float64Array {
  const distinct = [...new Set(values)].sort(compareNumbers);
  const rankOf = new Map(distinct.map((value, rank) => [value, rank]));
  return Float64Array.from(values, (value) => rankOf.get(value) ?? 0);
}

/** The indices (0..n-1, or those given) by ascending key, then ascending index. */
function sortedBy(indices: number | Int32Array, key: (i: number) => number): Int32Array {
  const sorted =
    typeof indices === 'number' ? Int32Array.from({ length: indices }, (_, i) => i) : indices.slice();
  const keys = new Float64Array(sorted.reduce((highest, i) => Math.max(highest, i), -1) + 1);
  for (const i of sorted) keys[i] = key(i);
  // Keys may be infinite (an unknown precedence), where a plain subtraction gives NaN.
  return sorted.sort((a, b) => compareNumbers(keys[a], keys[b]) || a - b);
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The power a connector draws per ampere of its limit, to count energy. */
export function wattsPerAmpere(connector: ConnectorDemand): number {
  return connector.wattsPerAmpere ?? DEFAULT_WATTS_PER_AMPERE[connector.phases - 1];
}

/** Per constraint, the maxima of the active connectors that cannot be steered. */
export function reservations(connectors: readonly ConnectorDemand[], system: ConstraintSystem): Float64Array {
  const reserved = new Float64Array(system.constraintCount);
  connectors.forEach((c, i) => {
    if (!c.active || !c.uncontrollable) return;
    for (let j = system.constraintStart[i]; j < system.constraintStart[i + 1]; j++) {
      reserved[system.constraintsOf[j]] += system.coefficientsOf[j] * c.maxCurrentA;
    }
  });
  return reserved;
}

/**
 * Reason codes: constraint c binding is c, its minimum not fitting is constraintCount + c, the rest
 * negative. One shared object per reason keeps 100,000 connectors × 96 blocks of reasons small.
 */
function reasonsByCode(system: ConstraintSystem): (code: number) => BindingReason {
  const reason = (kind: 'node-limit' | 'minimum-not-fitting', c: number): BindingReason => ({
    kind,
    nodeId: system.nodes[c].id,
    phase: limitName(system, c),
  });
  const nodeLimits = system.nodes.map((_, c) => reason('node-limit', c));
  const minimums = system.nodes.map((_, c) => reason('minimum-not-fitting', c));
  // Indexed by -code - 1.
  const fixed: BindingReason[] = [
    { kind: 'no-session' },
    { kind: 'uncontrollable' },
    { kind: 'own-maximum' },
    { kind: 'departed' },
    { kind: 'energy-met' },
    { kind: 'energy-need' },
  ];
  return (code) => {
    if (code < 0) return fixed[-code - 1];
    return code < system.constraintCount ? nodeLimits[code] : minimums[code - system.constraintCount];
  };
}
