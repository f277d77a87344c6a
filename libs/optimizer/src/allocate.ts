import { Admitter } from './admission.js';
import { allowedCurrentsOf, roundToAllowedCurrents } from './allowed-currents.js';
import { denseRanks, RankSorter, type RankKey } from './bucket-order.js';
import { isGridPhase } from './capacity-tree.js';
import { wattsPerAmpere } from './connection.js';
import {
  buildConstraintSystem,
  limitName,
  limitsByBlock,
  type ConstraintSystem,
} from './constraint-system.js';
import type {
  AllocationInput,
  AllocationOptions,
  AllocationPlan,
  BindingReason,
  ConnectorAllocation,
  ConnectorDemand,
  ConnectorExplanation,
  NodeLoad,
  PerPhase,
} from './model.js';
import { WeightedFiller } from './weighted-fill.js';

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
      if (code >= 0) bound[code < m ? code : code - m] = 1;
    }
    for (let c = 0; c < m; c++) constraintLoadsA[b * m + c] = planner.loadOf(c);
  });
  const reasons = reasonsByCode(system);
  const blockCount = input.blocks.length;
  const allocations = new Array<ConnectorAllocation>(n);
  const explanations = new Array<ConnectorExplanation>(n);
  for (let i = 0; i < n; i++) {
    // Sized up front: growing 2 × n arrays element by element is a large share of a big plan's time.
    const limits = new Array<number>(blockCount);
    const why = new Array<BindingReason>(blockCount);
    for (let b = 0, at = i; b < blockCount; b++, at += n) {
      limits[b] = currentsA[at];
      why[b] = reasons[reasonCodes[at] + REASON_CODE_OFFSET];
    }
    const c = input.connectors[i];
    allocations[i] = { connectorId: c.id, limitsA: limits };
    explanations[i] = { connectorId: c.id, priority: c.priority ?? 1, reasons: why };
  }
  keepShapes();
  return { allocations, explanations, nodeLoads: nodeLoads(input, system, constraintLoadsA, bound) };
}

/**
 * V8 drops the shapes (maps) of objects no longer alive at a full garbage collection, and with them
 * the optimized code of every loop that reads such objects: once the last planner is garbage, the
 * next plan runs its first blocks unoptimized again (a third of a 10,000-connector plan's time when
 * a full collection falls between two plans). A tiny planner kept from each call, built and run
 * the same way, keeps the shapes alive.
 */
const shapesKept: BlockPlanner[] = [];
const SHAPES_INPUT: AllocationInput = {
  blocks: [{ start: '1970-01-01T00:00:00Z', end: '1970-01-01T00:15:00Z' }],
  nodes: [{ id: 'n', parentId: null, limitsA: [[6, 6, 6]] }],
  // Two minimums on one 6 A limit: admission runs too.
  connectors: ['a', 'b'].map((id) => ({
    id,
    nodeId: 'n',
    phases: 1,
    maxCurrentA: 16,
    minCurrentA: 6,
    active: true,
    precedence: 0,
  })),
};

function keepShapes(): void {
  const planner = new BlockPlanner(
    SHAPES_INPUT,
    buildConstraintSystem(SHAPES_INPUT, { totalLimits: true }),
    {},
  );
  planner.plan(0, 0, MS_PER_HOUR / 4);
  shapesKept[0] = planner;
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
  const nodeIndex = new Map(input.nodes.map((node, k) => [node.id, k]));
  // Per input node, its constraint on each phase (-1: none carries a connector).
  const phaseConstraint = new Int32Array(3 * input.nodes.length).fill(-1);
  const nodeBound = new Uint8Array(input.nodes.length);
  system.nodes.forEach((node, c) => {
    const k = nodeIndex.get(node.id) ?? 0;
    const phase = system.phases[c];
    if (isGridPhase(phase)) phaseConstraint[3 * k + phase] = c;
    nodeBound[k] |= bound[c];
  });
  const loadOf = (at: number, c: number) => (c < 0 ? 0 : constraintLoadsA[at + c]);
  return input.nodes.map((node, k) => {
    const [l1, l2, l3] = phaseConstraint.subarray(3 * k, 3 * k + 3);
    const loadsA = new Array<PerPhase>(input.blocks.length);
    for (let b = 0; b < loadsA.length; b++) {
      loadsA[b] = [loadOf(b * m, l1), loadOf(b * m, l2), loadOf(b * m, l3)];
    }
    return { nodeId: node.id, loadsA, bound: nodeBound[k] === 1 };
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
  /** Every block's constraint limits (limitsByBlock), and a view of the current block's. */
  private readonly limitTable: Float64Array;
  private limitsA: Float64Array;
  private readonly sortKeys: AdmissionSortKeys;
  /** The candidates by precedence, then input order: the last tie-break of the admission order. */
  private readonly candidatesByPrecedence: Int32Array;
  private readonly capOrder: Int32Array;
  private readonly floorOrder: Int32Array;
  /** Active, steerable connectors. */
  private readonly candidates: Int32Array;
  private readonly admission: Admitter;
  private readonly charging: Uint8Array;
  private readonly sinceMs: Float64Array;
  /** Per connector, its sinceMs as a rank among all the instants it can take (see sinceRanks). */
  private readonly sinceRank: Int32Array;
  private readonly sinces: SinceRanks;
  private readonly sorter: RankSorter;
  private readonly minOnMs: number;
  private readonly minOffMs: number;
  private readonly departuresMs: Float64Array;
  /** Energy still wanted (Infinity when not declared), counted down block by block. */
  private readonly remainingWh: Float64Array;
  /** Whether any connector declared the energy it wants: else nothing counts down. */
  private readonly anyEnergyWanted: boolean;
  private readonly wattsPerAmpere: Float64Array;
  /** Why a candidate takes no part in the current block: PRESENT, DEPARTED or ENERGY_MET. */
  private readonly absence: Uint8Array;
  /** The candidates present in the current block, in input order and by precedence. */
  private present: Int32Array;
  private presentByPrecedence: Int32Array;
  /** Connectors whose cap in the current block is their remaining energy, not their maximum. */
  private readonly energyCapped: Uint8Array;
  /** Per connector its allowedCurrentsA, when any connector has them. */
  private readonly allowedCurrentsA?: (readonly number[] | undefined)[];
  /** The block's constraint loads once its currents are rounded to the allowed ones. */
  private readonly roundedLoadsA?: Float64Array;
  private readonly precedences: Float64Array;
  private block = 0;

  constructor(
    input: AllocationInput,
    private readonly system: ConstraintSystem,
    options: AllocationOptions,
    private readonly targets?: BlockTargets,
  ) {
    const n = input.connectors.length;
    this.filler = new WeightedFiller(system);
    this.weights = perConnector(Float64Array, input.connectors, (c) => c.priority ?? 1);
    this.minimumsA = perConnector(Float64Array, input.connectors, (c) => c.minCurrentA);
    this.maximaA = perConnector(Float64Array, input.connectors, (c) => c.maxCurrentA);
    this.roles = perConnector(Uint8Array, input.connectors, (c) =>
      !c.active ? NO_EV : c.uncontrollable ? UNCONTROLLABLE : STEERABLE,
    );
    this.capsA = new Float64Array(n);
    this.floorsA = new Float64Array(n);
    this.limitTable = limitsByBlock(system, input.blocks.length);
    this.limitsA = this.limitTable.subarray(0, system.constraintCount);
    this.reservedA = reservations(input.connectors, system);
    this.capOrder = sortedBy(n, (i) => input.connectors[i].maxCurrentA / this.weights[i]);
    this.floorOrder = sortedBy(n, (i) => this.minimumsA[i] / this.weights[i]);
    this.candidates = steerableIndices(input.connectors);
    this.candidatesByPrecedence = sortedBy(this.candidates, (i) => input.connectors[i].precedence);
    this.admission = new Admitter(system, this.reservedA, this.minimumsA);
    this.charging = perConnector(Uint8Array, input.connectors, (c) => (c.previous?.charging ? 1 : 0));
    this.sinceMs = perConnector(Float64Array, input.connectors, (c) =>
      c.previous ? Date.parse(c.previous.since) : -Infinity,
    );
    this.sinces = sinceRanks(this.sinceMs, input.blocks);
    this.sinceRank = this.sinces.initialRanks;
    this.sortKeys = admissionSortKeys(input.connectors, this.weights, this.sinces.count);
    this.sorter = new RankSorter(this.candidates.length);
    this.minOnMs = (options.minOnSeconds ?? DEFAULT_MIN_ON_SECONDS) * 1000;
    this.minOffMs = (options.minOffSeconds ?? DEFAULT_MIN_OFF_SECONDS) * 1000;
    this.departuresMs = perConnector(Float64Array, input.connectors, (c) =>
      c.departure === undefined ? Infinity : Date.parse(c.departure),
    );
    this.remainingWh = perConnector(Float64Array, input.connectors, (c) => c.energyWantedWh ?? Infinity);
    this.anyEnergyWanted = this.remainingWh.some((wh) => wh !== Infinity);
    this.wattsPerAmpere = perConnector(Float64Array, input.connectors, connectorWattsPerAmpere);
    this.absence = new Uint8Array(n);
    this.present = this.candidates;
    this.presentByPrecedence = this.candidatesByPrecedence;
    this.energyCapped = new Uint8Array(n);
    this.precedences = perConnector(Float64Array, input.connectors, (c) => c.precedence);
    // An uncontrollable connector draws its maximum whatever its charger's steps.
    this.allowedCurrentsA = allowedCurrentsOf(input.connectors)?.map((a, i) =>
      this.roles[i] === STEERABLE ? a : undefined,
    );
    if (this.allowedCurrentsA) this.roundedLoadsA = new Float64Array(system.constraintCount);
  }

  plan(block: number, startMs: number, endMs: number): void {
    const hours = (endMs - startMs) / MS_PER_HOUR;
    this.block = block;
    const m = this.system.constraintCount;
    this.limitsA = this.limitTable.subarray(block * m, (block + 1) * m);
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
    this.roundToAllowedCurrents();
    this.recordOnOff(startMs);
    this.countDownEnergy(hours);
  }

  /** After a block: what its currents draw through constraint c (summed over phases on a total). */
  loadOf(c: number): number {
    return this.roundedLoadsA ? this.roundedLoadsA[c] : this.filler.loadOf(c);
  }

  private roundToAllowedCurrents(): void {
    const { allowedCurrentsA, roundedLoadsA } = this;
    if (!allowedCurrentsA || !roundedLoadsA) return;
    for (let c = 0; c < roundedLoadsA.length; c++) roundedLoadsA[c] = this.filler.loadOf(c);
    roundToAllowedCurrents(this.system, allowedCurrentsA, {
      currentsA: this.filler.currentsA,
      loadsA: roundedLoadsA,
      limitA: (c) => this.limitsA[c],
      priority: (i) => this.weights[i],
      precedence: (i) => this.precedences[i],
    });
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
    let changed = false;
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
      changed ||= absence !== this.absence[i];
      this.absence[i] = absence;
      departedOrDone ||= absence !== PRESENT;
    }
    // The same candidates as in the block before: their lists and minimum loads still hold.
    if (!changed) return;
    this.admission.candidatesChanged();
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
    if (!Number.isFinite(hours) || !this.anyEnergyWanted) return;
    const currents = this.filler.currentsA;
    const { present, remainingWh } = this;
    for (let k = 0; k < present.length; k++) {
      const i = present[k];
      remainingWh[i] -= currents[i] * this.wattsPerAmpere[i] * hours;
    }
  }

  private admit(startMs: number): void {
    this.admission.admit(this.limitsA, this.present, (groups) => this.admissionOrder(startMs, groups));
  }

  /** Priority, then a session within its minimum on time, then urgency, then rotation, then precedence. */
  private admissionOrder(startMs: number, groups?: RankKey): Int32Array {
    const { priorityRank, departures, byPriority, byRotation, combined, keys } = this.sortKeys;
    const { present, charging, sinceMs, sinceRank } = this;
    const sinceCount = this.sinces.count;
    for (let k = 0; k < present.length; k++) {
      const i = present[k];
      const inStateMs = startMs - sinceMs[i];
      const isCharging = charging[i] === 1;
      byPriority[i] = priorityRank[i] * 2 + (isCharging && inStateMs < this.minOnMs ? 0 : 1);
      byRotation[i] = rotationRank(isCharging, inStateMs < this.minOffMs, sinceRank[i], sinceCount);
      if (combined) {
        combined[i] =
          (byPriority[i] * departures.count + departures.ranks[i]) * 3 * sinceCount + byRotation[i];
      }
    }
    return this.sorter.order(this.presentByPrecedence, groups ? [groups, ...keys] : keys);
  }

  private recordOnOff(startMs: number): void {
    const currents = this.filler.currentsA;
    const startRank = this.sinces.blockStartRanks[this.block];
    for (let i = 0; i < currents.length; i++) {
      const on = currents[i] > 0 ? 1 : 0;
      if (on === this.charging[i]) continue;
      this.charging[i] = on;
      this.sinceMs[i] = startMs;
      this.sinceRank[i] = startRank;
    }
  }
}

/** Earlier instants all count as this one: a session paused for ages is no more waiting than another. */
const LONG_AGO_MS = -1e13;
const PAUSED = 0;
const CHARGING = 1;
const JUST_PAUSED = 2;

/**
 * The longest-waiting paused session comes back first, unless it was paused only just now (then
 * last); among the charging ones, the longest-running gives way first. A rank in [0, 3 · sinceCount).
 */
function rotationRank(
  charging: boolean,
  withinMinOff: boolean,
  sinceRank: number,
  sinceCount: number,
): number {
  if (charging) return CHARGING * sinceCount + sinceCount - 1 - sinceRank;
  return (withinMinOff ? JUST_PAUSED : PAUSED) * sinceCount + sinceRank;
}

/**
 * The instants a connector's on/off state can date from — the previous plan's, and the start of every
 * block — ranked, so that the rotation order is a small integer per connector.
 */
interface SinceRanks {
  count: number;
  /** Per connector, the rank of its previous plan's instant. */
  initialRanks: Int32Array;
  blockStartRanks: Int32Array;
}

function sinceRanks(previousSinceMs: Float64Array, blocks: AllocationInput['blocks']): SinceRanks {
  const n = previousSinceMs.length;
  const instants = new Float64Array(n + blocks.length);
  previousSinceMs.forEach((ms, i) => (instants[i] = Math.max(ms, LONG_AGO_MS)));
  blocks.forEach((block, b) => (instants[n + b] = Math.max(Date.parse(block.start), LONG_AGO_MS)));
  const { ranks, count } = denseRanks(instants);
  return { count, initialRanks: ranks.slice(0, n), blockStartRanks: ranks.slice(n) };
}

/**
 * Per-connector ranks that order the admission, most significant first: priority and whether within
 * its minimum on time (byPriority), departure, rotation; static ones, and per-block ones from them.
 */
interface AdmissionSortKeys {
  priorityRank: Int32Array;
  departures: RankKey;
  byPriority: Int32Array;
  byRotation: Int32Array;
  /** The three in one rank, when their product of counts is small: one sorting pass instead of three. */
  combined?: Int32Array;
  keys: RankKey[];
}

/** A combined rank is used while its count costs no more than the pass it saves. */
const MOST_COMBINED_RANKS = 4096;

function admissionSortKeys(
  connectors: readonly ConnectorDemand[],
  weights: Float64Array,
  sinceCount: number,
): AdmissionSortKeys {
  const n = connectors.length;
  const departures = perConnector(Float64Array, connectors, (c) =>
    c.departure === undefined ? Infinity : Date.parse(c.departure),
  );
  const priorities = denseRanks(weights.map((w) => -w));
  const departureRanks = denseRanks(departures);
  const byPriority = new Int32Array(n);
  const byRotation = new Int32Array(n);
  const combinedCount = 2 * priorities.count * departureRanks.count * 3 * sinceCount;
  const combined = combinedCount <= Math.max(MOST_COMBINED_RANKS, 2 * n) ? new Int32Array(n) : undefined;
  return {
    priorityRank: priorities.ranks,
    departures: departureRanks,
    byPriority,
    byRotation,
    combined,
    keys: combined
      ? [{ ranks: combined, count: combinedCount }]
      : [
          { ranks: byPriority, count: 2 * priorities.count },
          departureRanks,
          { ranks: byRotation, count: 3 * sinceCount },
        ],
  };
}

/** The indices (0..n-1, or those given, ascending) by ascending key, then ascending index. */
function sortedBy(indices: number | Int32Array, key: (i: number) => number): Int32Array {
  const list = typeof indices === 'number' ? Int32Array.from({ length: indices }, (_, i) => i) : indices;
  const keys = new Float64Array(list.reduce((highest, i) => Math.max(highest, i), -1) + 1);
  list.forEach((i) => (keys[i] = key(i)));
  return new RankSorter(list.length).order(list, [denseRanks(keys)]);
}

/** The indices of the active, steerable connectors, ascending. */
function steerableIndices(connectors: readonly ConnectorDemand[]): Int32Array {
  const steerable = perConnector(Uint8Array, connectors, (c) => (c.active && !c.uncontrollable ? 1 : 0));
  const indices = new Int32Array(steerable.reduce((count, s) => count + s, 0));
  let next = 0;
  steerable.forEach((s, i) => {
    if (s === 1) indices[next++] = i;
  });
  return indices;
}

/**
 * One number per connector. Not TypedArray.from, which goes through the array's iterator and
 * allocates a result object per connector.
 */
function perConnector<T extends Float64Array | Uint8Array>(
  type: { new (length: number): T },
  connectors: readonly ConnectorDemand[],
  value: (c: ConnectorDemand) => number,
): T {
  const out = new type(connectors.length);
  for (let i = 0; i < connectors.length; i++) out[i] = value(connectors[i]);
  return out;
}

/** The power a connector draws per ampere of its limit, to count energy: its own, else its connection's. */
export function connectorWattsPerAmpere(connector: ConnectorDemand): number {
  return connector.wattsPerAmpere ?? wattsPerAmpere(connector, connector.voltages);
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

/** Reason codes: constraint c binding is c, its minimum not fitting is constraintCount + c, the rest negative. */
const REASON_CODE_OFFSET = -ENERGY_NEED_CODE;

/**
 * The reason of each code, at code + REASON_CODE_OFFSET. One shared object per reason keeps 100,000
 * connectors × 96 blocks of reasons small.
 */
function reasonsByCode(system: ConstraintSystem): BindingReason[] {
  const reason = (kind: 'node-limit' | 'minimum-not-fitting', c: number): BindingReason => {
    const phasorLimit = system.phasorLimitOf.get(c)?.name;
    return {
      kind,
      nodeId: system.nodes[c].id,
      phase: limitName(system, c),
      ...(phasorLimit !== undefined && { phasorLimit }),
    };
  };
  // Codes -6 to -1 in reverse order, so that code -1 is just before code 0.
  const fixed: BindingReason[] = [
    { kind: 'energy-need' },
    { kind: 'energy-met' },
    { kind: 'departed' },
    { kind: 'own-maximum' },
    { kind: 'uncontrollable' },
    { kind: 'no-session' },
  ];
  return [
    ...fixed,
    ...system.nodes.map((_, c) => reason('node-limit', c)),
    ...system.nodes.map((_, c) => reason('minimum-not-fitting', c)),
  ];
}
