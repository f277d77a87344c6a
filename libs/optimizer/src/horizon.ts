import { allocate, connectorWattsPerAmpere, reservations } from './allocate.js';
import { allowedCurrentsOf, roundToAllowedCurrents } from './allowed-currents.js';
import { isGridPhase } from './capacity-tree.js';
import {
  buildConstraintSystem,
  constraintLimitA,
  limitName,
  type ConstraintSystem,
} from './constraint-system.js';
import {
  solveHorizonLp,
  stageLpOf,
  type HorizonLpInput,
  type HorizonLpSolution,
  type HorizonStageLp,
  type LpSession,
} from './horizon-lp.js';
import type {
  AllocationPlan,
  BindingReason,
  ConnectorDemand,
  HorizonInput,
  HorizonObjective,
  HorizonOptions,
  HorizonPlan,
  HorizonReason,
  NodeLoad,
  PerPhase,
  PhaseName,
} from './model.js';

const MS_PER_HOUR = 3_600_000;
const PHASE_NAMES: readonly PhaseName[] = ['L1', 'L2', 'L3'];
const TOLERANCE_A = 1e-9;
const TOLERANCE_WH = 1e-6;
/** Rounds that guarantee only the planned sessions that fell short, before every planned session is. */
const GUARANTEE_ROUNDS = 2;

/**
 * The horizon optimum: the most requested energy delivered by departure that every node-phase limit
 * and every node's total power limit in every block and every connector's maximum allow (an exact LP over sessions × blocks, solved by
 * our own bounded simplex); among those plans, the least current above OSCP OPTIMUM soft limits; then
 * the lowest cost (with prices) or the lowest peak of the peak nodes; then the priority-weighted
 * max-min fair shares of the energy the sessions can take; then the earliest delivery, the least lax
 * sessions' first. The continuous optimum is then made semi-continuous block by block
 * (`repairMinimums`): a current between 0 and the minimum is raised to the minimum where every
 * node-phase has room and the energy is still wanted, else paused, and what that pause loses is
 * placed again in other blocks with room; the room a pause leaves goes to energy still wanted, or
 * else to energy planned later (`fillFreedRoom`).
 *
 * The LP decides energy per session and block; who charges in a block, and how the rest is shared, is
 * still `allocate`'s, which follows the plan (`followPlan`): every guarantee of `allocate` holds —
 * admission by priority then urgency when minimums do not fit, rotation, minimum on/off times, 0 or at
 * least the minimum, a reason per connector and block — and the open-ended last block (no duration to
 * count energy over) is planned by it with what is still wanted. Same result shape as `allocate`, plus
 * finer reasons (`details`) and the energy figures.
 */
export function optimizeHorizon(input: HorizonInput, options: HorizonOptions = {}): HorizonPlan {
  const context = horizonContext(input, options);
  const lp = solveHorizonLp(lpInputOf(context));
  const state = new PlanState(context, lp);
  state.repairMinimums();
  state.recoverLostEnergy();
  state.fillFreedRoom();
  state.roundToAllowedCurrents();
  const followed = followPlan(context, state.targets(), state.plannedEnergy());
  state.adopt(followed);
  return state.toPlan(followed);
}

/**
 * The LP that `optimizeHorizon` solves for this input, in a solver-neutral form (rows, bounded
 * columns, one objective per stage): for benchmarks and checks against other LP solvers.
 */
export function horizonStageLp(input: HorizonInput, options: HorizonOptions = {}): HorizonStageLp {
  return stageLpOf(lpInputOf(horizonContext(input, options)));
}

function horizonContext(input: HorizonInput, options: HorizonOptions): HorizonContext {
  return new HorizonContext(input, buildConstraintSystem(input, { totalLimits: true }), options);
}

function lpInputOf(context: HorizonContext): HorizonLpInput {
  const { system, input } = context;
  return {
    system,
    blockCount: context.finiteBlocks,
    blockHours: context.blockHours,
    sessions: context.sessions,
    reservedA: context.reservedA,
    limitOf: (c, t) => context.limitOf(c, t),
    softLimitsA: context.softLimitA,
    othersShare: context.othersShare,
    objective: context.objective,
    pricesPerKwh: input.pricesPerKwh,
    peakConstraint: context.peakConstraintOf(),
    peakNodeOf: (c) => system.nodes[c].id,
    laterStagePivotBudget: context.options.laterStagePivotBudget,
    exactLpMaxColumns: context.options.exactLpMaxColumns,
  };
}

/**
 * `allocate` following the plan's targets. At first they are only caps, so that sessions outside the
 * LP share fairly with the planned ones; a planned session that then gets less energy than its plan
 * (others took its share) is guaranteed its targets in the next round — after GUARANTEE_ROUNDS such
 * rounds every planned session is. Admission still decides who charges in every round, so a session of
 * higher priority (or more urgent) outside the plan can still take a planned session's room.
 */
function followPlan(
  context: HorizonContext,
  targetsA: Float64Array,
  plannedWh: Float64Array,
): AllocationPlan {
  const { input, options, sessions } = context;
  const guaranteed = new Uint8Array(input.connectors.length);
  const wanting = sessions.filter((s) => s.energyWantedWh !== Infinity).map((s) => s.connector);
  for (let round = 0; ; round++) {
    const plan = allocate(input, options, { targetsA, guaranteed });
    const short = wanting.filter(
      (i) =>
        guaranteed[i] === 0 &&
        context.deliveredWh(i, plan.allocations[i].limitsA) <
          plannedWh[i] - TOLERANCE_WH * Math.max(1, plannedWh[i]),
    );
    if (short.length === 0) return plan;
    for (const i of round >= GUARANTEE_ROUNDS ? wanting : short) guaranteed[i] = 1;
  }
}

/** The input read once: blocks, sessions, reservations, soft limits, the objective. */
class HorizonContext {
  readonly finiteBlocks: number;
  readonly blockHours: Float64Array;
  readonly sessions: LpSession[];
  /** sessionOf[i]: the session index of connector i, -1 when it is not steered. */
  readonly sessionOf: Int32Array;
  readonly reservedA: Float64Array;
  readonly objective: HorizonObjective;
  readonly energyWantedWh: Float64Array;
  /** Per connector, the hours of each finite block its EV is there (empty arrays when not steered). */
  readonly hoursOf: Float64Array[];
  readonly wattsPerAmpere: Float64Array;
  /** softLimitA(c, t): the OPTIMUM of constraint c in block t; undefined without soft limits. */
  readonly softLimitA?: (c: number, t: number) => number;
  /** othersShare(c, t): with sessions outside the LP, the share of the limit their fair plan takes. */
  readonly othersShare?: (c: number, t: number) => number;
  /** Per finite block and constraint, the minimums of the sessions outside the LP that charge in a fair plan. */
  private othersMinimumsA?: Float64Array;

  constructor(
    readonly input: HorizonInput,
    readonly system: ConstraintSystem,
    readonly options: HorizonOptions,
  ) {
    const { blocks, connectors, pricesPerKwh } = input;
    const open = blocks.findIndex((b) => b.end === null);
    if (open >= 0 && open !== blocks.length - 1) throw new Error('Only the last block may be open-ended');
    if (pricesPerKwh && pricesPerKwh.length !== blocks.length) {
      throw new Error(`pricesPerKwh has ${pricesPerKwh.length} entries for ${blocks.length} blocks`);
    }
    this.finiteBlocks = open >= 0 ? open : blocks.length;
    this.blockHours = Float64Array.from(
      blocks.slice(0, this.finiteBlocks),
      (b) => (Date.parse(b.end ?? b.start) - Date.parse(b.start)) / MS_PER_HOUR,
    );
    this.objective = input.objective ?? (pricesPerKwh ? 'cost' : 'earliest');
    if (this.objective === 'cost' && !pricesPerKwh) throw new Error('The cost objective needs pricesPerKwh');
    this.reservedA = reservations(connectors, system);
    this.energyWantedWh = Float64Array.from(
      connectors,
      (c) => c.energyWantedWh ?? options.defaultEnergyWantedWh ?? Infinity,
    );
    this.softLimitA = this.softLimitOf();
    this.wattsPerAmpere = Float64Array.from(connectors, (c) => connectorWattsPerAmpere(c));
    const startsMs = Float64Array.from(blocks.slice(0, this.finiteBlocks), (b) => Date.parse(b.start));
    this.hoursOf = connectors.map((c) =>
      c.active && !c.uncontrollable ? this.presentHours(c, startsMs) : new Float64Array(this.finiteBlocks),
    );
    // With `declared`, the fair plan of everyone says which sessions need planning at all; with
    // either mode it is what the sessions outside the LP charge.
    const fair = (options.lpSessions ?? 'all') === 'all' ? undefined : allocate(input, options);
    const contested =
      fair && options.lpSessions === 'declared' ? this.contestedNodeIds(fair) : new Set<string>();
    this.sessionOf = new Int32Array(connectors.length).fill(-1);
    this.sessions = [];
    connectors.forEach((c, i) => {
      if (!c.active || c.uncontrollable) return;
      if (fair && !this.needsPlan(i, fair, contested)) return;
      this.sessionOf[i] = this.sessions.length;
      this.sessions.push(this.session(c, i));
    });
    this.othersShare = fair && this.othersFairShares(fair);
  }

  /**
   * A session that wants a known energy: with `every-declared` always; with `declared` when prices,
   * OPTIMUM or the peak ask where it should charge, when its fair share would not deliver that energy
   * by departure, or when it loads a `contested` node: there its fair share takes room that a session falling short may need sooner, which only
   * the LP weighs. The others charge as `allocate` shares, which keeps the LP to the sessions it
   * changes something for.
   */
  private needsPlan(i: number, fair: AllocationPlan, contested: ReadonlySet<string>): boolean {
    if (this.energyWantedWh[i] === Infinity) return false;
    if (this.options.lpSessions === 'every-declared') return true;
    if (this.objective !== 'earliest' || this.softLimitA) return true;
    return this.fallsShort(i, fair) || this.loadsAny(i, contested);
  }

  /** A session that wants a known energy its fair share would not deliver by departure. */
  private fallsShort(i: number, fair: AllocationPlan): boolean {
    const wantedWh = this.energyWantedWh[i];
    if (wantedWh === Infinity) return false;
    return this.deliveredWh(i, fair.allocations[i].limitsA) < wantedWh - TOLERANCE_WH * Math.max(1, wantedWh);
  }

  /** The nodes that bind in the fair plan and that a session falling short loads. */
  private contestedNodeIds(fair: AllocationPlan): Set<string> {
    const bound = new Set(fair.nodeLoads.filter((n) => n.bound).map((n) => n.nodeId));
    const contested = new Set<string>();
    const { system } = this;
    this.input.connectors.forEach((c, i) => {
      if (!c.active || c.uncontrollable || !this.fallsShort(i, fair)) return;
      for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
        const id = system.nodes[system.constraintsOf[k]].id;
        if (bound.has(id)) contested.add(id);
      }
    });
    return contested;
  }

  private loadsAny(i: number, nodeIds: ReadonlySet<string>): boolean {
    const { system } = this;
    for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
      if (nodeIds.has(system.nodes[system.constraintsOf[k]].id)) return true;
    }
    return false;
  }

  /**
   * Sessions outside the LP would otherwise look like free room to it, and its earliest-first
   * tie-break would take their share for the planned ones. So after energy, OPTIMUM and the objective,
   * the LP prefers blocks where their fair plan (`allocate` of everyone) leaves room; and the minimum
   * of each that charges there is reserved outright, since admission would keep it for them anyway.
   */
  private othersFairShares(fair: AllocationPlan): ((c: number, t: number) => number) | undefined {
    const { input, system } = this;
    const outside = input.connectors.flatMap((c, i) =>
      c.active && !c.uncontrollable && this.sessionOf[i] < 0 ? [i] : [],
    );
    if (outside.length === 0 || this.sessions.length === 0) return undefined;
    const m = system.constraintCount;
    const othersA = new Float64Array(this.finiteBlocks * m);
    const minimumsA = new Float64Array(this.finiteBlocks * m);
    for (const i of outside) {
      const limits = fair.allocations[i].limitsA;
      for (let t = 0; t < this.finiteBlocks; t++) {
        if (!(limits[t] > 0)) continue;
        for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
          const a = system.coefficientsOf[k];
          othersA[t * m + system.constraintsOf[k]] += a * limits[t];
          minimumsA[t * m + system.constraintsOf[k]] += a * input.connectors[i].minCurrentA;
        }
      }
    }
    this.othersMinimumsA = minimumsA;
    return (c, t) => {
      const others = othersA[t * m + c];
      const limit = this.rawLimitOf(c, t);
      return others <= 0 ? 0 : limit > others ? others / limit : 1;
    };
  }

  /** The energy a connector's limits deliver in the finite blocks while its EV is there. */
  deliveredWh(i: number, limitsA: ArrayLike<number>): number {
    const hours = this.hoursOf[i];
    let sum = 0;
    for (let t = 0; t < hours.length; t++) sum += limitsA[t] * hours[t];
    return sum * this.wattsPerAmpere[i];
  }

  /** Constraint c's limit in finite block t, less the minimums of the sessions outside the LP charging there. */
  limitOf(c: number, t: number): number {
    return this.rawLimitOf(c, t) - (this.othersMinimumsA?.[t * this.system.constraintCount + c] ?? 0);
  }

  private rawLimitOf(c: number, t: number): number {
    return constraintLimitA(this.system, c, t);
  }

  /**
   * Hours of each finite block the EV is still there: 0 from its departure (told, or else assumed) on,
   * cut in the block it leaves.
   */
  private presentHours(c: ConnectorDemand, startsMs: Float64Array): Float64Array {
    const departure = c.departure ?? c.assumedDeparture;
    const departureMs = departure === undefined ? Infinity : Date.parse(departure);
    if (departureMs === Infinity) return this.blockHours;
    return this.blockHours.map((hours, t) =>
      Math.max(0, Math.min(hours, (departureMs - startsMs[t]) / MS_PER_HOUR)),
    );
  }

  private session(c: ConnectorDemand, i: number): LpSession {
    return {
      connector: i,
      maxCurrentA: c.maxCurrentA,
      wattsPerAmpere: this.wattsPerAmpere[i],
      energyWantedWh: this.energyWantedWh[i],
      weight: c.priority ?? 1,
      hours: this.hoursOf[i],
    };
  }

  private softLimitOf(): ((c: number, t: number) => number) | undefined {
    const { softLimits } = this.input;
    if (!softLimits || softLimits.length === 0) return undefined;
    const byNode = new Map(softLimits.map((s) => [s.nodeId, s.limitsA]));
    for (const soft of softLimits) {
      if (!this.input.nodes.some((n) => n.id === soft.nodeId)) {
        throw new Error(`Soft limit on unknown node "${soft.nodeId}"`);
      }
      if (soft.limitsA.length !== this.input.blocks.length) {
        throw new Error(`Soft limit on "${soft.nodeId}" has ${soft.limitsA.length} entries`);
      }
    }
    return (c, t) => {
      const phase = this.system.phases[c];
      return isGridPhase(phase) ? (byNode.get(this.system.nodes[c].id)?.[t][phase] ?? Infinity) : Infinity;
    };
  }

  peakNodeIds(): Set<string> {
    const ids =
      this.input.peakNodeIds ?? this.input.nodes.filter((n) => n.parentId === null).map((n) => n.id);
    return new Set(ids);
  }

  /** The peak is per phase: a node's total power is not one of the phases whose peak is lowered. */
  peakConstraintOf(): ((c: number) => boolean) | undefined {
    if (this.objective !== 'peak') return undefined;
    const ids = this.peakNodeIds();
    return (c) => isGridPhase(this.system.phases[c]) && ids.has(this.system.nodes[c].id);
  }

  price(t: number): number {
    return this.input.pricesPerKwh?.[t] ?? 0;
  }
}

/** The plan being made semi-continuous: currents per connector and block, loads per constraint and block. */
class PlanState {
  /** currentsA[i][t] for every connector and every block (the open one included). */
  private readonly currentsA: Float64Array[];
  /** loadsA[t][c]. */
  private loadsA: Float64Array[];
  /** The same without the sessions outside the LP: what the plan itself fills. */
  private plannedLoadsA: Float64Array[];
  private readonly plannedWh: Float64Array;
  private readonly repairs = new Map<string, HorizonReason>();
  private readonly lostWh: Float64Array;

  constructor(
    private readonly context: HorizonContext,
    private readonly lp: HorizonLpSolution,
  ) {
    const { input, sessions } = context;
    const blocks = input.blocks.length;
    this.currentsA = input.connectors.map((c, i) => {
      const s = context.sessionOf[i];
      if (s >= 0) return Float64Array.from({ length: blocks }, (_, t) => lp.currentsA[s][t] ?? 0);
      return new Float64Array(blocks).fill(c.active && c.uncontrollable ? c.maxCurrentA : 0);
    });
    this.loadsA = Array.from({ length: blocks }, (_, t) => this.constraintLoads(t));
    this.plannedLoadsA = this.loadsA;
    this.plannedWh = Float64Array.from(input.connectors, (_, i) => {
      const s = context.sessionOf[i];
      if (s < 0) return 0;
      return sessions[s].hours.reduce(
        (sum, h, t) => sum + this.currentsA[i][t] * h * sessions[s].wattsPerAmpere,
        0,
      );
    });
    this.lostWh = new Float64Array(input.connectors.length);
  }

  private constraintLoads(t: number, plannedOnly = false): Float64Array {
    const { system, sessionOf, input } = this.context;
    const loads = new Float64Array(system.constraintCount);
    for (let c = 0; c < system.constraintCount; c++) {
      for (let k = system.memberStart[c]; k < system.memberStart[c + 1]; k++) {
        const i = system.members[k];
        if (plannedOnly && sessionOf[i] < 0 && !input.connectors[i].uncontrollable) continue;
        loads[c] += system.memberCoefficients[k] * this.currentsA[i][t];
      }
    }
    return loads;
  }

  /**
   * Block by block, the currents between 0 and the minimum, by priority then the largest first: raised
   * to the minimum when every node-phase it loads has room and the energy is still wanted, else 0 —
   * which frees room for the next ones.
   */
  repairMinimums(): void {
    const { input, sessions, sessionOf, finiteBlocks } = this.context;
    for (let t = 0; t < finiteBlocks; t++) {
      const between = sessions
        .map((s) => s.connector)
        .filter((i) => {
          const x = this.currentsA[i][t];
          return x > TOLERANCE_A && x < input.connectors[i].minCurrentA - TOLERANCE_A;
        })
        .sort((a, b) => this.repairOrder(a, b, t));
      for (const i of between) {
        const c = input.connectors[i];
        const session = sessions[sessionOf[i]];
        const x = this.currentsA[i][t];
        const raise = c.minCurrentA - x;
        const blocked = this.fullConstraint(i, t, raise);
        const extraWh = raise * session.hours[t] * session.wattsPerAmpere;
        const fitsEnergy = this.plannedWh[i] + extraWh <= session.energyWantedWh + TOLERANCE_WH;
        // The last bit an EV wants may be less than one block at the minimum: delivered at the minimum anyway
        // (the EV stops when full), or it would never be delivered at all.
        const thisBlockWh = x * session.hours[t] * session.wattsPerAmpere;
        const needed = this.plannedWh[i] - thisBlockWh < session.energyWantedWh - TOLERANCE_WH;
        if (blocked < 0 && (fitsEnergy || needed)) {
          this.change(i, t, c.minCurrentA);
          this.repairs.set(`${i}/${t}`, { kind: 'raised-to-minimum' });
          continue;
        }
        const lostWh = x * session.hours[t] * session.wattsPerAmpere;
        this.change(i, t, 0);
        this.lostWh[i] += lostWh;
        const { system } = this.context;
        const where =
          blocked >= 0 ? { nodeId: system.nodes[blocked].id, phase: limitName(system, blocked) } : {};
        this.repairs.set(`${i}/${t}`, { kind: 'below-minimum', lostWh, ...where });
      }
    }
  }

  private repairOrder(a: number, b: number, t: number): number {
    const { connectors } = this.context.input;
    const priority = (connectors[b].priority ?? 1) - (connectors[a].priority ?? 1);
    if (priority !== 0) return priority;
    const larger = this.currentsA[b][t] - this.currentsA[a][t];
    if (larger !== 0) return larger;
    return connectors[a].precedence - connectors[b].precedence || a - b;
  }

  /** The first constraint of connector i without room for `extraA` more of its current in block t, or -1. */
  private fullConstraint(i: number, t: number, extraA: number, loadsA = this.loadsA): number {
    const { system } = this.context;
    for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
      const c = system.constraintsOf[k];
      const extra = system.coefficientsOf[k] * extraA;
      if (loadsA[t][c] + extra > this.context.limitOf(c, t) + TOLERANCE_A) return c;
    }
    return -1;
  }

  /** The room left for connector i in block t on every constraint it loads, under soft limits too if asked. */
  private roomA(i: number, t: number, underSoftLimits: boolean): number {
    const { system, softLimitA } = this.context;
    let room = Infinity;
    for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
      const c = system.constraintsOf[k];
      const limit = this.context.limitOf(c, t);
      const soft = underSoftLimits && softLimitA ? softLimitA(c, t) : Infinity;
      room = Math.min(room, (Math.min(limit, soft) - this.loadsA[t][c]) / system.coefficientsOf[k]);
    }
    return Math.max(0, room);
  }

  private change(i: number, t: number, currentA: number): void {
    const { system, sessions, sessionOf } = this.context;
    const delta = currentA - this.currentsA[i][t];
    this.currentsA[i][t] = currentA;
    for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
      this.loadsA[t][system.constraintsOf[k]] += system.coefficientsOf[k] * delta;
    }
    const session = sessions[sessionOf[i]];
    this.plannedWh[i] += delta * session.hours[t] * session.wattsPerAmpere;
  }

  /**
   * What pausing lost is placed again, connector by connector in input order, in the blocks it is
   * there, the objective's preferred first (cheapest, or earliest), at no less than its minimum: first
   * where soft limits leave room, then wherever the limits do.
   */
  recoverLostEnergy(): void {
    const { input } = this.context;
    for (const underSoftLimits of [true, false]) {
      input.connectors.forEach((_, i) => {
        if (this.lostWh[i] > TOLERANCE_WH) this.recover(i, underSoftLimits);
      });
    }
  }

  private recover(i: number, underSoftLimits: boolean): void {
    const { input, sessions, sessionOf } = this.context;
    const c = input.connectors[i];
    const session = sessions[sessionOf[i]];
    for (const t of this.preferredBlocks()) {
      const wantedWh = Math.min(this.lostWh[i], session.energyWantedWh - this.plannedWh[i]);
      if (wantedWh <= TOLERANCE_WH) return;
      const whPerA = session.hours[t] * session.wattsPerAmpere;
      if (whPerA <= 0 || this.repairs.has(`${i}/${t}`)) continue;
      const x = this.currentsA[i][t];
      const add = Math.min(this.roomA(i, t, underSoftLimits), c.maxCurrentA - x, wantedWh / whPerA);
      if (add <= TOLERANCE_A || x + add < c.minCurrentA - TOLERANCE_A) continue;
      this.change(i, t, x + add);
      this.lostWh[i] -= add * whPerA;
    }
  }

  /**
   * Pausing a current below the minimum leaves its room unused in that block, and an unused block is
   * lost for good (a plan is re-made before its later blocks come). So block by block, the room left is
   * given — the sessions that fall short of what they want and leave soonest first — to energy still
   * wanted, and, with the `earliest` objective, to the sessions' own energy planned later, which frees
   * room there for what pausing lost. Neither lowers the energy planned; moving energy earlier is the
   * `earliest` objective's own tie-break, so it is not done under prices or the peak objective.
   */
  fillFreedRoom(): void {
    const { objective, sessions } = this.context;
    const departures = sessions.map((s) => lastPresentBlock(s.hours));
    for (const t of this.preferredBlocks()) {
      for (const i of this.fillOrder(t, departures)) {
        this.fillWanted(i, t);
        if (objective === 'earliest') this.pullForward(i, t);
      }
    }
    this.recoverLostEnergy();
  }

  /**
   * The sessions there in block t below their maximum: short of what they want first, then by
   * departure (`departures`, per session).
   */
  private fillOrder(t: number, departures: readonly number[]): number[] {
    const { input, sessions } = this.context;
    const candidates = sessions.flatMap((s, k) =>
      s.hours[t] > 0 &&
      this.currentsA[s.connector][t] < input.connectors[s.connector].maxCurrentA - TOLERANCE_A
        ? [k]
        : [],
    );
    const short = (k: number) => (this.shortWh(sessions[k].connector) > TOLERANCE_WH ? 0 : 1);
    return candidates
      .sort((a, b) => short(a) - short(b) || departures[a] - departures[b] || a - b)
      .map((k) => sessions[k].connector);
  }

  /** What session of connector i still wants beyond its plan. */
  private shortWh(i: number): number {
    const { sessions, sessionOf } = this.context;
    return sessions[sessionOf[i]].energyWantedWh - this.plannedWh[i];
  }

  /** Room in block t for energy the plan does not give connector i yet: within soft limits, then the limits. */
  private fillWanted(i: number, t: number): void {
    for (const underSoftLimits of [true, false]) {
      const addA = this.addableA(i, t, underSoftLimits, this.shortWh(i));
      if (addA > 0) this.changeRecovering(i, t, this.currentsA[i][t] + addA);
    }
  }

  /** The most connector i can add in block t for `wantedWh`, 0 when that would stay below its minimum. */
  private addableA(i: number, t: number, underSoftLimits: boolean, wantedWh: number): number {
    const { input, sessions, sessionOf } = this.context;
    const session = sessions[sessionOf[i]];
    const whPerA = session.hours[t] * session.wattsPerAmpere;
    if (wantedWh <= TOLERANCE_WH || whPerA <= 0) return 0;
    const c = input.connectors[i];
    const x = this.currentsA[i][t];
    const add = Math.min(this.roomA(i, t, underSoftLimits), c.maxCurrentA - x, wantedWh / whPerA);
    return add > TOLERANCE_A && x + add >= c.minCurrentA - TOLERANCE_A ? add : 0;
  }

  /**
   * Energy connector i has planned after block t moved into block t (where soft limits leave room), taken
   * from its latest blocks first, each left at 0 or at least its minimum.
   */
  private pullForward(i: number, t: number): void {
    const { sessions, sessionOf, input } = this.context;
    const session = sessions[sessionOf[i]];
    const minA = input.connectors[i].minCurrentA;
    const laterWh = session.hours.reduce(
      (sum, h, u) => (u > t ? sum + this.currentsA[i][u] * h * session.wattsPerAmpere : sum),
      0,
    );
    const wantedA = this.addableA(i, t, true, laterWh);
    if (wantedA <= 0) return;
    const takes: [number, number][] = [];
    let leftWh = wantedA * session.hours[t] * session.wattsPerAmpere;
    for (let u = session.hours.length - 1; u > t && leftWh > TOLERANCE_WH; u--) {
      const whPerA = session.hours[u] * session.wattsPerAmpere;
      const x = this.currentsA[i][u];
      if (x <= TOLERANCE_A || whPerA <= 0) continue;
      const to = leftWh >= x * whPerA ? 0 : Math.max(minA, x - leftWh / whPerA);
      if (to >= x) continue;
      takes.push([u, to]);
      leftWh -= (x - to) * whPerA;
    }
    const movedWh = wantedA * session.hours[t] * session.wattsPerAmpere - Math.max(0, leftWh);
    const addA = movedWh / (session.hours[t] * session.wattsPerAmpere);
    if (this.currentsA[i][t] + addA < minA - TOLERANCE_A || addA <= TOLERANCE_A) return;
    for (const [u, to] of takes) this.change(i, u, to);
    this.change(i, t, this.currentsA[i][t] + addA);
    this.unpause(i, t);
  }

  /** A raise for energy not planned yet: it counts against what pausing lost. */
  private changeRecovering(i: number, t: number, currentA: number): void {
    const before = this.plannedWh[i];
    this.change(i, t, currentA);
    this.lostWh[i] = Math.max(0, this.lostWh[i] - Math.max(0, this.plannedWh[i] - before));
    this.unpause(i, t);
  }

  /** Block t charges connector i again: its pause there no longer explains its limit. */
  private unpause(i: number, t: number): void {
    if (this.repairs.get(`${i}/${t}`)?.kind === 'below-minimum') this.repairs.delete(`${i}/${t}`);
  }

  private preferredBlocks(): number[] {
    const blocks = Array.from({ length: this.context.finiteBlocks }, (_, t) => t);
    if (this.context.objective !== 'cost') return blocks;
    return blocks.sort((a, b) => this.context.price(a) - this.context.price(b) || a - b);
  }

  /** Every finite block's currents made ones the chargers apply (`roundToAllowedCurrents`). */
  roundToAllowedCurrents(): void {
    const { input, system, finiteBlocks, sessionOf } = this.context;
    // Only the plan's sessions: `allocate` rounds the others' when it follows the plan.
    const allowed = allowedCurrentsOf(input.connectors)?.map((a, i) => (sessionOf[i] >= 0 ? a : undefined));
    if (!allowed) return;
    const { connectors } = input;
    for (let t = 0; t < finiteBlocks; t++) {
      const currentsA = Float64Array.from(connectors, (_, i) => this.currentsA[i][t]);
      roundToAllowedCurrents(system, allowed, {
        currentsA,
        loadsA: this.loadsA[t].slice(),
        limitA: (c) => this.context.limitOf(c, t),
        priority: (i) => connectors[i].priority ?? 1,
        precedence: (i) => connectors[i].precedence,
      });
      currentsA.forEach((x, i) => {
        if (x !== this.currentsA[i][t]) this.change(i, t, x);
      });
    }
  }

  /**
   * Per connector and block (block-major), the plan's current for `allocate` to follow; NaN outside the
   * plan. The simplex's rounding dust (e.g. 1e-15 A) is 0: any positive target would charge the minimum.
   */
  targets(): Float64Array {
    const { input, sessions, finiteBlocks } = this.context;
    const n = input.connectors.length;
    const targetsA = new Float64Array(input.blocks.length * n).fill(NaN);
    for (const { connector: i, hours } of sessions) {
      for (let t = 0; t < finiteBlocks; t++) {
        const x = this.currentsA[i][t];
        if (hours[t] > 0) targetsA[t * n + i] = x > TOLERANCE_A ? x : 0;
      }
    }
    return targetsA;
  }

  /** Per connector, the energy planned so far. */
  plannedEnergy(): Float64Array {
    return this.plannedWh.slice();
  }

  /** The currents `allocate` gave following the plan become the plan's. */
  adopt(followed: AllocationPlan): void {
    const { input } = this.context;
    followed.allocations.forEach((a, i) => this.currentsA[i].set(a.limitsA));
    this.loadsA = input.blocks.map((_, t) => this.constraintLoads(t));
    this.plannedLoadsA = input.blocks.map((_, t) => this.constraintLoads(t, true));
    input.connectors.forEach((_, i) => (this.plannedWh[i] = this.context.deliveredWh(i, this.currentsA[i])));
  }

  toPlan(followed: AllocationPlan): HorizonPlan {
    const { input, system } = this.context;
    const reasonOf = this.reasonFactory(followed);
    const allocations = input.connectors.map((c, i) => ({
      connectorId: c.id,
      limitsA: Array.from(this.currentsA[i]),
    }));
    const details = input.connectors.map((c, i) => ({
      connectorId: c.id,
      reasons: input.blocks.map((_, t) => reasonOf(i, t)),
    }));
    const explanations = input.connectors.map((c, i) => ({
      connectorId: c.id,
      priority: c.priority ?? 1,
      reasons: details[i].reasons.map(toBindingReason),
    }));
    // An EV takes no more than it wants: the minimum may plan a little more for its last bit.
    const energyWh = this.plannedWh.reduce((sum, plannedWh, i) => {
      const s = this.context.sessionOf[i];
      const wantedWh = s >= 0 ? this.context.sessions[s].energyWantedWh : input.connectors[i].energyWantedWh;
      return sum + Math.min(plannedWh, wantedWh ?? Infinity);
    }, 0);
    return {
      allocations,
      explanations,
      details,
      nodeLoads: this.nodeLoads(explanations.flatMap((e) => e.reasons)),
      plannedWh: Array.from(this.plannedWh),
      relaxedEnergyWh: this.lp.relaxedEnergyWh,
      energyWh,
      ...(input.pricesPerKwh ? { cost: this.cost() } : {}),
      ...(this.context.objective === 'peak' ? { peaksA: this.peaks(system) } : {}),
    };
  }

  /**
   * `allocate`'s reason outside the LP, in the open block and where admission paused a planned session;
   * elsewhere the finer reason the plan gives.
   */
  private reasonFactory(followed: AllocationPlan): (i: number, t: number) => HorizonReason {
    const { input, system, sessions, sessionOf, energyWantedWh, objective } = this.context;
    const at = (c: number) => {
      const phasorLimit = system.phasorLimitOf.get(c)?.name;
      return {
        nodeId: system.nodes[c].id,
        phase: limitName(system, c),
        ...(phasorLimit !== undefined && { phasorLimit }),
      };
    };
    const deliveredBefore = sessions.map((s) => {
      let sum = 0;
      return Float64Array.from(s.hours, (h, t) => {
        const before = sum;
        sum += this.currentsA[s.connector][t] * h * s.wattsPerAmpere;
        return before;
      });
    });
    return (i, t) => {
      const c = input.connectors[i];
      const own = followed.explanations[i].reasons[t];
      const s = sessionOf[i];
      if (s < 0 || t >= this.context.finiteBlocks || own.kind === 'minimum-not-fitting') return own;
      // Repairs are few: no key to build for the many connectors and blocks without one.
      const repair = this.repairs.size > 0 ? this.repairs.get(`${i}/${t}`) : undefined;
      if (repair && repair.kind === 'below-minimum' && this.currentsA[i][t] === 0) return repair;
      const x = this.currentsA[i][t];
      // Gone, or past an assumed departure: no plan there, `allocate`'s own rule and reason.
      if (sessions[s].hours[t] <= 0) return own;
      if (x >= c.maxCurrentA - TOLERANCE_A) return { kind: 'own-maximum' };
      if (x <= TOLERANCE_A && deliveredBefore[s][t] >= energyWantedWh[i] - TOLERANCE_WH)
        return { kind: 'energy-met' };
      // Paused by the plan: what bound it is what the plan itself fills, not others taking the room.
      const full = this.fullConstraint(i, t, 1e-7, x > 0 ? this.loadsA : this.plannedLoadsA);
      if (full >= 0) return { kind: 'node-limit', ...at(full) };
      const rows = this.lp.tightRows(s, t);
      const soft = rows.find((r) => r.kind === 'soft');
      // Soft limits are per phase: a node's total has no OPTIMUM row.
      if (soft && soft.kind === 'soft') {
        const c = soft.constraint;
        return { kind: 'soft-limit', nodeId: system.nodes[c].id, phase: PHASE_NAMES[system.phases[c]] };
      }
      if (this.plannedWh[i] >= energyWantedWh[i] - TOLERANCE_WH) {
        return { kind: 'other-blocks', because: rows.some((r) => r.kind === 'peak') ? 'peak' : objective };
      }
      return repair ?? { kind: 'energy-need' };
    };
  }

  private nodeLoads(reasons: readonly BindingReason[]): NodeLoad[] {
    const { input, system } = this.context;
    const boundNodes = new Set(reasons.flatMap((r) => ('nodeId' in r ? [r.nodeId] : [])));
    const constraintsOf = new Map<string, number[]>();
    system.nodes.forEach((node, c) => constraintsOf.set(node.id, [...(constraintsOf.get(node.id) ?? []), c]));
    return input.nodes.map((node) => {
      const own = constraintsOf.get(node.id) ?? [];
      const loadsA = input.blocks.map((_, t): PerPhase => {
        const perPhase: [number, number, number] = [0, 0, 0];
        for (const c of own) {
          const phase = system.phases[c];
          if (isGridPhase(phase)) perPhase[phase] = this.loadsA[t][c];
        }
        return perPhase;
      });
      return { nodeId: node.id, loadsA, bound: boundNodes.has(node.id) };
    });
  }

  private cost(): number {
    const { hoursOf, wattsPerAmpere } = this.context;
    return hoursOf.reduce(
      (sum, hours, i) =>
        sum +
        hours.reduce(
          (acc, h, t) => acc + (this.currentsA[i][t] * h * wattsPerAmpere[i] * this.context.price(t)) / 1000,
          0,
        ),
      0,
    );
  }

  private peaks(system: ConstraintSystem): Record<string, number> {
    const peaks: Record<string, number> = {};
    for (const id of this.context.peakNodeIds()) peaks[id] = 0;
    for (let t = 0; t < this.context.finiteBlocks; t++) {
      for (let c = 0; c < system.constraintCount; c++) {
        const id = system.nodes[c].id;
        if (id in peaks && isGridPhase(system.phases[c])) peaks[id] = Math.max(peaks[id], this.loadsA[t][c]);
      }
    }
    return peaks;
  }
}

/** The last block a session is there in, -1 if none. */
function lastPresentBlock(hours: Float64Array): number {
  for (let t = hours.length - 1; t >= 0; t--) if (hours[t] > 0) return t;
  return -1;
}

/** The nearest `allocate` reason, so that planning words a horizon plan as it words an allocation. */
function toBindingReason(reason: HorizonReason): BindingReason {
  switch (reason.kind) {
    case 'soft-limit':
    case 'other-blocks':
    case 'raised-to-minimum':
      return { kind: 'energy-need' };
    case 'below-minimum':
      return reason.nodeId && reason.phase
        ? { kind: 'minimum-not-fitting', nodeId: reason.nodeId, phase: reason.phase }
        : { kind: 'energy-need' };
    default:
      return reason;
  }
}
