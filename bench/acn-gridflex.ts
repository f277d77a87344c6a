/**
 * Our optimizer as a scheduler of `bench:acn`, through its exported API only: `optimizeHorizon` over
 * every 5-minute block until the last known departure, re-planned every `replanPeriods` periods and
 * whenever the EVs present change; `allocate` (one block, no look-ahead) as a reference point. It is
 * given each EVSE's pilot set (`allowedCurrentsA`) and rounds its plan to it; the highest pilot at or
 * below its limit is still what is applied (what the EVSE would do), and every block of every plan is
 * checked against the exact phasor constraints.
 */
import {
  allocate,
  optimizeHorizon,
  type AllocationInput,
  type ConnectorDemand,
  type HorizonOptions,
  type TimeBlock,
} from '@gridflex/optimizer';
import {
  allowedPilots,
  connectorShape,
  legacyLinearPhaseLimitA,
  linearNodes,
  phasorNodes,
  safeLinearPhaseLimitA,
  type Evse,
  type Topology,
} from './acn-topology';
import { assertWithinLimits, isoOf, type ActiveEv, type Scheduler } from './acn-replay';

/**
 * How the Caltech network is handed to our optimizer: the part of its input that describes the site.
 * The one place to change when the optimizer takes phasor limits (a model returning them beside the nodes).
 */
export interface OptimizerSiteModel {
  name: string;
  /** Whether every plan within it keeps the exact network: its plans are then asserted block by block. */
  safe: boolean;
  site(topology: Topology, blockCount: number): Pick<AllocationInput, 'nodes'>;
}

/** Per-phase limits that the exact network always accepts (see `safeLinearPhaseLimitA`). */
export const SAFE_LINEAR_SITE: OptimizerSiteModel = {
  name: 'safe linear limits',
  safe: true,
  site: (topology, blockCount) => ({ nodes: linearNodes(safeLinearPhaseLimitA(topology), blockCount) }),
};

/** The mapping of the superseded figures, which the exact network does not accept: a diagnostic only. */
export const LEGACY_LINEAR_SITE: OptimizerSiteModel = {
  name: 'old linear limits',
  safe: false,
  site: (topology, blockCount) => ({ nodes: linearNodes(legacyLinearPhaseLimitA(topology), blockCount) }),
};

/** The exact network's transformer limits as the optimizer's phasor limits (inscribed polygons). */
export const PHASOR_SITE: OptimizerSiteModel = {
  name: 'phasor limits',
  safe: true,
  site: (topology, blockCount) => ({ nodes: phasorNodes(topology, blockCount) }),
};

/** The model `bench:acn` runs our optimizer with. */
export const SITE_MODEL = PHASOR_SITE;

/** The highest pilot of the EVSE's set at or below the optimizer's limit: what the EVSE applies. */
function applicablePilot(evse: Evse, limitA: number): number {
  const pilots = allowedPilots(evse);
  return [...pilots].reverse().find((a) => a <= limitA + 1e-9) ?? 0;
}

function blocksFrom(period: number, count: number): TimeBlock[] {
  return Array.from({ length: count }, (_, b) => ({ start: isoOf(period + b), end: isoOf(period + b + 1) }));
}

/** What the product would send for this EV: its place, its declared energy and departure, its last state. */
function connectorOf(ev: ActiveEv): ConnectorDemand {
  return {
    id: ev.session.id,
    ...connectorShape(ev.session.evse),
    active: true,
    precedence: ev.session.arrival,
    departure: isoOf(ev.session.departure),
    energyWantedWh: ev.remainingWh,
    previous: ev.previous && {
      charging: ev.previous.charging,
      since: new Date(ev.previous.sinceMs).toISOString(),
    },
  };
}

/** The options planning's `planAllocations` passes (no default energy: every ACN driver declares one). */
const PLANNING_OPTIONS: HorizonOptions = { lpSessions: 'declared' };

interface HeldPlan {
  fromPeriod: number;
  /** The session ids it was made for, in order: another set of EVs needs a new plan. */
  key: string;
  limitsA: Map<string, number[]>;
}

/** Diagnostic variants of our optimizer, to tell apart where a gap to the offline optimum comes from. */
export interface HorizonVariant {
  /**
   * A price rising block by block: among the plans that deliver the most, the optimizer takes the one
   * that delivers soonest before it shares fairly (ACN's "quick charge" objective); without it, fair
   * shares come first and earliest delivery only breaks ties.
   */
  quickCharge?: boolean;
  /** The `peak` objective: among the plans that deliver the most, the lowest peak of the transformer. */
  peakShaving?: boolean;
  /** Minimum current 0: the continuous plan, without the semi-continuous rule (checked as the LP is). */
  continuous?: boolean;
  /** `lpSessions: 'all'` (the optimizer's default): every session in the LP, not planning's `declared`. */
  everySessionInLp?: boolean;
  /** Another way of handing the network to the optimizer than `SITE_MODEL`. */
  siteModel?: OptimizerSiteModel;
}

export function gridflexHorizon(
  topology: Topology,
  replanPeriods: number,
  variant: HorizonVariant = {},
): Scheduler {
  let held: HeldPlan | undefined;
  const siteModel = variant.siteModel ?? SITE_MODEL;
  const suffix = [
    variant.quickCharge && 'quick-charge',
    variant.peakShaving && 'peak',
    variant.continuous && 'no minimum',
    variant.everySessionInLp && 'every session in the LP',
    variant.siteModel && siteModel.name,
  ].filter(Boolean);
  return {
    name: ['gridflex optimizeHorizon', ...suffix].join(', '),
    siteModel: siteModel.name,
    respectsLimits: true,
    continuous: variant.continuous,
    limits(period, active) {
      const key = active.map((ev) => ev.session.id).join('|');
      if (!held || held.key !== key || period - held.fromPeriod >= replanPeriods) {
        held = planHorizon(topology, period, active, key, variant);
      }
      const offset = period - held.fromPeriod;
      return active.map((ev) => {
        const limitA = held!.limitsA.get(ev.session.id)![offset];
        return variant.continuous ? limitA : applicablePilot(ev.session.evse, limitA);
      });
    },
  };
}

/** One re-plan; every block of the plan is checked, not only the one that will be applied. */
function planHorizon(
  topology: Topology,
  period: number,
  active: readonly ActiveEv[],
  key: string,
  variant: HorizonVariant,
): HeldPlan {
  const lastDeparture = Math.max(...active.map((ev) => ev.session.departure));
  const blockCount = lastDeparture - period;
  const plan = optimizeHorizon(
    {
      blocks: blocksFrom(period, blockCount),
      ...(variant.siteModel ?? SITE_MODEL).site(topology, blockCount),
      connectors: active.map((ev) => ({
        ...connectorOf(ev),
        ...(variant.continuous ? { minCurrentA: 0 } : {}),
      })),
      pricesPerKwh: variant.quickCharge ? Array.from({ length: blockCount }, (_, b) => b + 1) : undefined,
      objective: variant.peakShaving ? 'peak' : undefined,
    },
    variant.everySessionInLp ? {} : PLANNING_OPTIONS,
  );
  const evses = active.map((ev) => ev.session.evse);
  // An unsafe model's plans break the network by design: the replay counts what is applied instead.
  for (let b = 0; b < ((variant.siteModel ?? SITE_MODEL).safe ? blockCount : 0); b++) {
    const limitsA = plan.allocations.map((a) => a.limitsA[b]);
    const label = `horizon plan of ${isoOf(period)}, block ${isoOf(period + b)}`;
    const pilotsA = variant.continuous ? limitsA : limitsA.map((a, k) => applicablePilot(evses[k], a));
    assertWithinLimits(topology, evses, pilotsA, label, variant.continuous);
  }
  return {
    fromPeriod: period,
    key,
    limitsA: new Map(plan.allocations.map((a) => [a.connectorId, a.limitsA])),
  };
}

/** Per block only: fair shares now, capped by energy and departure, with no plan for later blocks. */
export function gridflexAllocate(topology: Topology): Scheduler {
  return {
    name: 'gridflex allocate',
    siteModel: SITE_MODEL.name,
    respectsLimits: true,
    limits(period, active) {
      const plan = allocate({
        blocks: blocksFrom(period, 1),
        ...SITE_MODEL.site(topology, 1),
        connectors: active.map(connectorOf),
      });
      return plan.allocations.map((a, k) => applicablePilot(active[k].session.evse, a.limitsA[0]));
    },
  };
}
