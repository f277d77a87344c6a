/** Amperes on grid phases L1, L2, L3; Infinity means the phase is unconstrained. */
export type PerPhase = readonly [number, number, number];

/** ISO instants, half-open [start, end); a null end means the block is open-ended. */
export interface TimeBlock {
  start: string;
  end: string | null;
}

/** A point of the constraint tree (the DSO group at the root, then sites, circuits...), one PerPhase per block. */
export interface CapacityNode {
  id: string;
  parentId: string | null;
  limitsA: PerPhase[];
  /**
   * Per block, the most power the node may carry summed over its phases, in W (Infinity: none), e.g. a
   * grid connection's kW: Σ over phases of V · I ≤ P, where a connector puts its current on each phase
   * it loads. Absent: only the per-phase limits apply.
   */
  totalLimitW?: number[];
  /** Phase-to-neutral volts the total power limit is counted with. Default 230. */
  phaseVoltageV?: number;
  /**
   * Limits on the magnitude of a line current that is a phasor sum of the currents of the connectors
   * below (e.g. a transformer's secondary and primary feeding line-to-line chargers): see PhasorLimit
   * and `transformerPhasorLimits`.
   */
  phasorLimits?: PhasorLimit[];
}

/**
 * How a connector is wired: its current on a grid phase to neutral (L1, L2, L3) or between two lines
 * (AB = L1–L2, BC = L2–L3, CA = L3–L1). Each has a fixed phase angle (acnportal's convention, unity
 * power factor): L1 0°, L2 −120°, L3 +120°, AB +30°, BC −90°, CA +150°.
 */
export type LinePair = 'AB' | 'BC' | 'CA';
export type ConnectionTerm = PhaseName | LinePair;

/**
 * `|Σ_j Σ_t factors[t] · r_j(t) · e^{jθ_t}| ≤ limitsA[block]` over the connectors j below the node, with
 * r_j(t) the current connector j puts on term t (its limit on each grid phase it loads to neutral, or on
 * its line pair). E.g. a wye secondary's line a: `{ L1: 1, AB: 1, CA: -1 }` (I_a = I_ab − I_ca).
 * Kept through an inscribed regular polygon (see docs/optimizer.md): never exceeded.
 */
export interface PhasorLimit {
  /** Names it in explanations, e.g. `secondary-a`. */
  name: string;
  factors: Partial<Record<ConnectionTerm, number>>;
  /** Per block, the most amperes of the line (Infinity: none). */
  limitsA: number[];
}

/** How a connector is wired, to count its power per ampere (see `wattsPerAmpere`). */
export interface Connection {
  /** Phases loaded to neutral; 2 for a line-to-line connector. */
  phases: 1 | 2 | 3;
  /** Connected between these two lines instead of to neutral. */
  lineToLine?: LinePair;
}

/** The voltages a site's connectors are fed with. */
export interface SiteVoltages {
  /** Default 230. */
  phaseToNeutralV?: number;
  /** Default phaseToNeutralV · √3. */
  lineToLineV?: number;
}

/**
 * OCPP's ConnectorPhaseRotation: the grid phases (R = L1, S = L2, T = L3) that feed the charger's own
 * L1, L2 and L3, in that order. Node limits are always on grid phases.
 */
export type PhaseRotation = 'RST' | 'RTS' | 'SRT' | 'STR' | 'TRS' | 'TSR';

/** What the previous plan was doing with a connector, so that a re-plan does not flap. */
export interface OnOffState {
  charging: boolean;
  /** ISO instant since when it has been charging (or paused) without interruption. */
  since: string;
}

export interface ConnectorDemand {
  id: string;
  /** The node it hangs under: it is constrained by that node and all of its ancestors. */
  nodeId: string;
  /**
   * How many of the charger's phases it loads to neutral, starting with its L1; 2 with `lineToLine`.
   */
  phases: 1 | 2 | 3;
  /** Default RST: the charger's L1 on grid L1. Ignored with `lineToLine`. */
  phaseRotation?: PhaseRotation;
  /**
   * Wired between these two grid lines (a 208 V EVSE on a 120/208 V wye) instead of to neutral: it
   * loads both lines with its current, at the pair's phase angle. Needs `phases: 2`.
   */
  lineToLine?: LinePair;
  /** The voltages it is fed with, for its default `wattsPerAmpere`: 230 V to neutral, V_ll = V_pn · √3. */
  voltages?: SiteVoltages;
  /** Semi-continuous: the limit is 0 or within [minCurrentA, maxCurrentA]. */
  maxCurrentA: number;
  minCurrentA: number;
  /**
   * The currents above 0 the charger can apply, ascending, each within [minCurrentA, maxCurrentA]
   * (e.g. a pilot set 8, 16, 24, 32 A, or whole amperes 6 … 32): every limit is then 0 or one of them,
   * rounded down where the limits leave no room to round up (`roundToAllowedCurrents`). Default: any
   * current within [minCurrentA, maxCurrentA].
   */
  allowedCurrentsA?: readonly number[];
  /** An EV is plugged in / a session runs. */
  active: boolean;
  /**
   * Admission order when minimums do not fit: lower is admitted first (e.g. session start time). For
   * `allocate`, the last tie-break after priority, minimum on time, departure and rotation.
   */
  precedence: number;
  /** Weight of the weighted max-min share, and admitted first when minimums do not fit. Default 1. */
  priority?: number;
  /** Not steerable: while active it is assumed to draw its maximum, which is reserved on every node above it. */
  uncontrollable?: boolean;
  /**
   * ISO instant the EV leaves, when known: from then on the limit is 0, and an earlier departure is
   * admitted first among equal priorities. Not applied to uncontrollable connectors.
   */
  departure?: string;
  /**
   * ISO instant the EV is assumed to leave when it told no `departure` (e.g. a configured dwell time):
   * `optimizeHorizon` plans its energy by then, but nothing cuts its limit there — from then on it
   * shares block by block as `allocate` does, since the EV may well still be there.
   */
  assumedDeparture?: string;
  /**
   * Energy the EV still wants from the start of the first block, when known: a block's cap is lowered
   * to what completes it (not below the minimum), and once delivered the limit is 0.
   */
  energyWantedWh?: number;
  /**
   * Power per ampere of limit, to count energy. Default `wattsPerAmpere(connector, voltages)`: V_pn per
   * phase loaded to neutral, or V_ll line to line (230, 460, 690 or 398 W/A by default).
   */
  wattsPerAmpere?: number;
  /** The previous plan's state, for the minimum on and off times. */
  previous?: OnOffState;
}

export interface AllocationInput {
  blocks: TimeBlock[];
  nodes: CapacityNode[];
  connectors: ConnectorDemand[];
}

/** One limit per block, in amperes per loaded phase. */
export interface ConnectorAllocation {
  connectorId: string;
  limitsA: number[];
}

/** Allocations in the same order as the input connectors. */
export interface AllocationResult {
  allocations: ConnectorAllocation[];
}

export type PhaseName = 'L1' | 'L2' | 'L3';
/**
 * A node limit that can bind: one grid phase, the node's total power over its phases, or one of its
 * phasor limits.
 */
export type LimitName = PhaseName | 'total' | 'phasor';

/** Why a connector got what it got in one block. Objects are shared between blocks and connectors. */
export type BindingReason =
  /** No EV: limit 0. */
  | { kind: 'no-session' }
  /** Reserved at its maximum, whatever the limits. */
  | { kind: 'uncontrollable' }
  /** At its own maximum current. */
  | { kind: 'own-maximum' }
  /**
   * A node-phase is full and this connector has the largest share per unit of priority on it that can
   * still be lowered (or sits at its minimum there).
   */
  | { kind: 'node-limit'; nodeId: string; phase: LimitName; phasorLimit?: string }
  /** Paused (limit 0): its minimum current did not fit on this node-phase after those admitted before it. */
  | { kind: 'minimum-not-fitting'; nodeId: string; phase: LimitName; phasorLimit?: string }
  /** Limit 0: the EV has left. */
  | { kind: 'departed' }
  /** Limit 0: the energy it wanted has been delivered in the blocks before. */
  | { kind: 'energy-met' }
  /** Below its maximum because this is what completes the energy it still wants (or its minimum). */
  | { kind: 'energy-need' };

export interface ConnectorExplanation {
  connectorId: string;
  /** The weight its share was computed with. */
  priority: number;
  /** One reason per block. */
  reasons: BindingReason[];
}

export interface AllocationOptions {
  /** Once charging, a session is not paused for another before this many seconds (default 900). */
  minOnSeconds?: number;
  /** Once paused, a session is resumed before others only after this many seconds (default 900). */
  minOffSeconds?: number;
}

/** What a node carries in the plan. */
export interface NodeLoad {
  nodeId: string;
  /** Per block, the planned current on each grid phase. */
  loadsA: PerPhase[];
  /** Whether this node set or paused any connector's limit in any block. */
  bound: boolean;
}

export interface AllocationPlan extends AllocationResult {
  /** In the same order as the allocations. */
  explanations: ConnectorExplanation[];
  /** In the same order as the input nodes. */
  nodeLoads: NodeLoad[];
}

/** An OSCP `OPTIMUM` forecast on a node: per block, a per-phase soft limit (Infinity: none). */
export interface SoftLimit {
  nodeId: string;
  limitsA: PerPhase[];
}

/**
 * What the horizon optimiser prefers once the most requested energy is delivered by departure (and
 * soft limits are kept as far as that allows): `cost` the cheapest blocks (needs `pricesPerKwh`),
 * `peak` the lowest peak per phase of the `peakNodeIds` (default: the roots), `earliest` delivery as
 * soon as possible. Ties are always broken towards earlier delivery.
 */
export type HorizonObjective = 'cost' | 'peak' | 'earliest';

export interface HorizonInput extends AllocationInput {
  /** Price of a kWh in each block, any currency. */
  pricesPerKwh?: number[];
  softLimits?: SoftLimit[];
  /** Default `cost` when prices are given, else `earliest`. */
  objective?: HorizonObjective;
  peakNodeIds?: string[];
}

export interface HorizonOptions extends AllocationOptions {
  /** Energy assumed wanted by a session that declared none; unset, it takes whatever capacity is left. */
  defaultEnergyWantedWh?: number;
  /**
   * The sessions the LP plans: `all` (default) every steerable one; `declared` only those with an energy
   * wanted (their own, or `defaultEnergyWantedWh`) — and, with the `earliest` objective and no soft
   * limits, only those whose fair share would miss it by departure or that load a node binding in the
   * fair plan which such a session loads too — the others sharing block by block,
   * as `allocate` does, what that plan leaves. `declared` keeps the LP small. What is optimal then:
   * the planned sessions' energy is the LP maximum with every other session held at its minimum
   * wherever its fair share (`allocate` of everyone) charges it — which admission keeps for it — and
   * with minimums of 0 the plan delivers exactly that (`horizon.highs.spec.ts`).
   * `every-declared` (what planning uses) puts every session with an energy wanted in the LP, whatever
   * the objective: no declaring session is left to a fair share that another's deadline could use
   * better; the others share as with `declared`. Its LP is larger (pair it with
   * `laterStagePivotBudget` on large fleets); the same optimality holds with every declaring session
   * planned.
   */
  lpSessions?: 'all' | 'declared' | 'every-declared';
  /**
   * Unset (default): every stage of the LP at its optimum. Set: the energy delivered and the current
   * above OPTIMUM soft limits are still optimal, and so are the fair shares, but the objective (cost or
   * peak), yielding to sessions outside the LP and the earliest delivery each stop after this many
   * simplex pivots (per independent part of the LP) at the plan reached, which keeps every limit and
   * the optima before it; the warm start that solves them all at once is skipped. For fleets where the
   * exact chain is too slow (`docs/benchmarks.md`): 0 takes the crash's cost-ordered start as it is.
   */
  laterStagePivotBudget?: number;
  /**
   * With `laterStagePivotBudget`: an LP with at most this many columns (a current per planned session
   * and block it is there, all independent parts together) still solves every stage at its optimum,
   * where the exact chain is fast; a larger one takes the budget in every part (the parts' times add
   * up). Unset: 0, the budget always applies.
   */
  exactLpMaxColumns?: number;
}

/** The finer reason behind a horizon limit, beyond the `BindingReason` that `allocate` would give. */
export type HorizonReason =
  | BindingReason
  /** Held at the node-phase's OPTIMUM: more is not needed to deliver the energy wanted. */
  | { kind: 'soft-limit'; nodeId: string; phase: PhaseName }
  /** Its energy is planned in other blocks: cheaper ones, ones that keep the peak lower, or earlier ones. */
  | { kind: 'other-blocks'; because: HorizonObjective }
  /** The continuous optimum was between 0 and its minimum: it got 0 instead, losing this much. */
  | { kind: 'below-minimum'; lostWh: number; nodeId?: string; phase?: LimitName }
  /** The continuous optimum was between 0 and its minimum and there was room to raise it to the minimum. */
  | { kind: 'raised-to-minimum' };

export interface HorizonPlan extends AllocationPlan {
  /** In the same order as the allocations: per block, the finer reason. */
  details: { connectorId: string; reasons: HorizonReason[] }[];
  /** Per connector, the energy planned in the blocks with an end. */
  plannedWh: number[];
  /** The continuous (LP) optimum of the requested energy delivered by departure, before the minimum rule. */
  relaxedEnergyWh: number;
  /** The same after the minimum rule: what the plan delivers (each session at most the energy it wants). */
  energyWh: number;
  /** With prices: the cost of the plan (price × kWh). */
  cost?: number;
  /** Per peak node, the highest per-phase load planned in any block with an end. */
  peaksA?: Record<string, number>;
}
