import { allocate, reservations, wattsPerAmpere } from './allocate';
import { buildConstraintSystem, type ConstraintSystem } from './constraint-system';
import { solveHorizonLp, type HorizonLpSolution, type LpSession } from './horizon-lp';
import type {
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
} from './model';

const MS_PER_HOUR = 3_600_000;
const PHASE_NAMES: readonly PhaseName[] = ['L1', 'L2', 'L3'];
const TOLERANCE_A = 1e-9;
const TOLERANCE_WH = 1e-6;

/**
 * The horizon optimum: the most requested energy delivered by departure that every node-phase limit
 * in every block and every connector's maximum allow (an exact LP over sessions × blocks, solved by
 * our own bounded simplex); among those plans, the least current above OSCP OPTIMUM soft limits; then
 * the lowest cost (with prices) or the lowest peak of the peak nodes; then the priority-weighted
 * max-min fair shares of the energy the sessions can take; then the earliest delivery. The
 * continuous optimum is then made semi-continuous block by block (`repairMinimums`): a current between
 * 0 and the minimum is raised to the minimum where every node-phase has room and the energy is still
 * wanted, else paused, and what that pause loses is placed again in other blocks with room. A last,
 * open-ended block (no duration to count energy over) is planned by `allocate` with what is still
 * wanted. Same result shape as `allocate`, plus finer reasons (`details`) and the energy figures.
 */
export function optimizeHorizon(input: HorizonInput, options: HorizonOptions = {}): HorizonPlan {
  const system = buildConstraintSystem(input);
  const context = new HorizonContext(input, system, options);
  const lp = solveHorizonLp({
    system,
    blockCount: context.finiteBlocks,
    blockHours: context.blockHours,
    sessions: context.sessions,
    reservedA: context.reservedA,
    limitOf: (c, t) => context.limitOf(c, t),
    softLimitsA: context.softLimitA,
    objective: context.objective,
    pricesPerKwh: input.pricesPerKwh,
    peakConstraint: context.peakConstraintOf(),
    peakNodeOf: (c) => system.nodes[c].id,
  });
  const state = new PlanState(context, lp);
  state.repairMinimums();
  state.recoverLostEnergy();
  return state.toPlan();
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
  /** softLimitA(c, t): the OPTIMUM of constraint c in block t; undefined without soft limits. */
  readonly softLimitA?: (c: number, t: number) => number;

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
    this.sessionOf = new Int32Array(connectors.length).fill(-1);
    this.sessions = [];
    connectors.forEach((c, i) => {
      if (!c.active || c.uncontrollable) return;
      this.sessionOf[i] = this.sessions.length;
      this.sessions.push(this.session(c, i));
    });
  }

  limitOf(c: number, t: number): number {
    return this.system.nodes[c].limitsA[t][this.system.phases[c]];
  }

  /** Hours of each finite block the EV is still there: 0 from its departure on, cut in the block it leaves. */
  private session(c: ConnectorDemand, i: number): LpSession {
    const departureMs = c.departure === undefined ? Infinity : Date.parse(c.departure);
    const hours = Float64Array.from(this.input.blocks.slice(0, this.finiteBlocks), (b) => {
      const startMs = Date.parse(b.start);
      const endMs = Math.min(Date.parse(b.end ?? b.start), departureMs);
      return Math.max(0, (endMs - startMs) / MS_PER_HOUR);
    });
    return {
      connector: i,
      maxCurrentA: c.maxCurrentA,
      wattsPerAmpere: wattsPerAmpere(c),
      energyWantedWh: this.energyWantedWh[i],
      weight: c.priority ?? 1,
      hours,
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
    return (c, t) => byNode.get(this.system.nodes[c].id)?.[t][this.system.phases[c]] ?? Infinity;
  }

  peakNodeIds(): Set<string> {
    const ids =
      this.input.peakNodeIds ?? this.input.nodes.filter((n) => n.parentId === null).map((n) => n.id);
    return new Set(ids);
  }

  peakConstraintOf(): ((c: number) => boolean) | undefined {
    if (this.objective !== 'peak') return undefined;
    const ids = this.peakNodeIds();
    return (c) => ids.has(this.system.nodes[c].id);
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
  private readonly loadsA: Float64Array[];
  private readonly plannedWh: Float64Array;
  private readonly repairs = new Map<string, HorizonReason>();
  private readonly lostWh: Float64Array;
  private openBlock?: ReturnType<typeof allocate>;

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

  private constraintLoads(t: number): Float64Array {
    const { system } = this.context;
    const loads = new Float64Array(system.constraintCount);
    for (let c = 0; c < system.constraintCount; c++) {
      for (let k = system.memberStart[c]; k < system.memberStart[c + 1]; k++) {
        loads[c] += this.currentsA[system.members[k]][t];
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
        if (blocked < 0 && fitsEnergy) {
          this.change(i, t, c.minCurrentA);
          this.repairs.set(`${i}/${t}`, { kind: 'raised-to-minimum' });
          continue;
        }
        const lostWh = x * session.hours[t] * session.wattsPerAmpere;
        this.change(i, t, 0);
        this.lostWh[i] += lostWh;
        const where =
          blocked >= 0
            ? {
                nodeId: this.context.system.nodes[blocked].id,
                phase: PHASE_NAMES[this.context.system.phases[blocked]],
              }
            : {};
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

  /** The first constraint of connector i without `extraA` of room in block t, or -1. */
  private fullConstraint(i: number, t: number, extraA: number): number {
    const { system } = this.context;
    for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
      const c = system.constraintsOf[k];
      if (this.loadsA[t][c] + extraA > this.context.limitOf(c, t) + TOLERANCE_A) return c;
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
      room = Math.min(room, Math.min(limit, soft) - this.loadsA[t][c]);
    }
    return Math.max(0, room);
  }

  private change(i: number, t: number, currentA: number): void {
    const { system, sessions, sessionOf } = this.context;
    const delta = currentA - this.currentsA[i][t];
    this.currentsA[i][t] = currentA;
    for (let k = system.constraintStart[i]; k < system.constraintStart[i + 1]; k++) {
      this.loadsA[t][system.constraintsOf[k]] += delta;
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

  private preferredBlocks(): number[] {
    const blocks = Array.from({ length: this.context.finiteBlocks }, (_, t) => t);
    if (this.context.objective !== 'cost') return blocks;
    return blocks.sort((a, b) => this.context.price(a) - this.context.price(b) || a - b);
  }

  toPlan(): HorizonPlan {
    this.planOpenBlock();
    const { input, system } = this.context;
    const reasonOf = this.reasonFactory();
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
    const energyWh = this.plannedWh.reduce((a, b) => a + b, 0);
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

  /** The open-ended last block: `allocate` with what is still wanted and the on/off state before it. */
  private planOpenBlock(): void {
    const { input, finiteBlocks, energyWantedWh } = this.context;
    if (finiteBlocks === input.blocks.length) return;
    const t = finiteBlocks;
    const before = t > 0 ? input.blocks[t - 1].start : undefined;
    this.openBlock = allocate(
      {
        blocks: [input.blocks[t]],
        nodes: input.nodes.map((n) => ({ ...n, limitsA: [n.limitsA[t]] })),
        connectors: input.connectors.map((c, i) => ({
          ...c,
          energyWantedWh:
            energyWantedWh[i] === Infinity ? undefined : Math.max(0, energyWantedWh[i] - this.plannedWh[i]),
          previous:
            before === undefined ? c.previous : { charging: this.currentsA[i][t - 1] > 0, since: before },
        })),
      },
      this.context.options,
    );
    this.openBlock.allocations.forEach((a, i) => (this.currentsA[i][t] = a.limitsA[0]));
    this.loadsA[t] = this.constraintLoads(t);
  }

  private reasonFactory(): (i: number, t: number) => HorizonReason {
    const { input, system, sessions, sessionOf, energyWantedWh, objective } = this.context;
    const at = (c: number) => ({ nodeId: system.nodes[c].id, phase: PHASE_NAMES[system.phases[c]] });
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
      if (!c.active) return { kind: 'no-session' };
      if (c.uncontrollable) return { kind: 'uncontrollable' };
      if (this.openBlock && t === this.context.finiteBlocks) return this.openBlock.explanations[i].reasons[0];
      const repair = this.repairs.get(`${i}/${t}`);
      if (repair && repair.kind === 'below-minimum' && this.currentsA[i][t] === 0) return repair;
      const s = sessionOf[i];
      const x = this.currentsA[i][t];
      if (sessions[s].hours[t] <= 0) return { kind: 'departed' };
      if (x >= c.maxCurrentA - TOLERANCE_A) return { kind: 'own-maximum' };
      if (x <= TOLERANCE_A && deliveredBefore[s][t] >= energyWantedWh[i] - TOLERANCE_WH)
        return { kind: 'energy-met' };
      const full = this.fullConstraint(i, t, 1e-7);
      if (full >= 0) return { kind: 'node-limit', ...at(full) };
      const rows = this.lp.tightRows(s, t);
      const soft = rows.find((r) => r.kind === 'soft');
      if (soft) return { kind: 'soft-limit', ...at(soft.constraint) };
      if (this.plannedWh[i] >= energyWantedWh[i] - TOLERANCE_WH) {
        return { kind: 'other-blocks', because: rows.some((r) => r.kind === 'peak') ? 'peak' : objective };
      }
      return repair ?? { kind: 'energy-need' };
    };
  }

  private nodeLoads(reasons: readonly BindingReason[]): NodeLoad[] {
    const { input, system } = this.context;
    const boundNodes = new Set(reasons.flatMap((r) => ('nodeId' in r ? [r.nodeId] : [])));
    for (const load of this.openBlock?.nodeLoads ?? []) if (load.bound) boundNodes.add(load.nodeId);
    const constraintsOf = new Map<string, number[]>();
    system.nodes.forEach((node, c) => constraintsOf.set(node.id, [...(constraintsOf.get(node.id) ?? []), c]));
    return input.nodes.map((node) => {
      const own = constraintsOf.get(node.id) ?? [];
      const loadsA = input.blocks.map((_, t): PerPhase => {
        const perPhase: [number, number, number] = [0, 0, 0];
        for (const c of own) perPhase[system.phases[c]] = this.loadsA[t][c];
        return perPhase;
      });
      return { nodeId: node.id, loadsA, bound: boundNodes.has(node.id) };
    });
  }

  private cost(): number {
    const { sessions } = this.context;
    return sessions.reduce(
      (sum, s) =>
        sum +
        s.hours.reduce(
          (acc, h, t) =>
            acc + (this.currentsA[s.connector][t] * h * s.wattsPerAmpere * this.context.price(t)) / 1000,
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
        if (id in peaks) peaks[id] = Math.max(peaks[id], this.loadsA[t][c]);
      }
    }
    return peaks;
  }
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
