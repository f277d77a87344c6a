/**
 * The baselines the ACN research compares (Lee, Li & Low, ACN-Sim and "Adaptive charging networks"),
 * written for `bench:acn` on the same linear site model and rules as our optimizer: each limit is 0
 * or within [6, 32] A, and no more than completes the EV's remaining energy in the period (or 6 A).
 */
import { constraintsOf, MAX_CURRENT_A, MIN_CURRENT_A, VOLTS, type Evse, type Topology } from './acn-topology';
import { PERIOD_HOURS, type ActiveEv, type Scheduler } from './acn-replay';

/** The headroom left on every constraint of the site, as limits are handed out. */
class Headroom {
  private readonly leftA: Float64Array;

  constructor(topology: Topology) {
    this.leftA = Float64Array.from(topology.constraints, (c) => c.limitA);
  }

  /** The most current this EVSE can still be given. */
  of(evse: Evse): number {
    return Math.min(...constraintsOf(evse).map((c) => this.leftA[c]));
  }

  take(evse: Evse, amperes: number): void {
    for (const c of constraintsOf(evse)) this.leftA[c] -= amperes;
  }
}

/** The most an EV is given: its maximum, or what completes its energy this period (never below 6 A). */
function upperBoundA(ev: ActiveEv): number {
  const completingA = ev.remainingWh / (VOLTS * PERIOD_HOURS);
  return Math.min(MAX_CURRENT_A, Math.max(MIN_CURRENT_A, completingA));
}

/** Uncontrolled: every EV at its maximum, whatever the transformer. */
export function uncontrolled(): Scheduler {
  return {
    name: 'uncontrolled',
    respectsLimits: false,
    limits: (_period, active) => active.map(upperBoundA),
  };
}

/**
 * ACN's sorted algorithms: in the order of the key, each EV gets the most it can take that still fits
 * after those before it; when that is less than the minimum, it waits (0 A).
 */
function sortedGreedy(
  name: string,
  topology: Topology,
  key: (ev: ActiveEv, period: number) => number,
): Scheduler {
  return {
    name,
    respectsLimits: true,
    limits(period, active) {
      const headroom = new Headroom(topology);
      const limitsA = active.map(() => 0);
      for (const k of sortedIndices(active, (ev) => key(ev, period))) {
        const ev = active[k];
        const limitA = Math.min(upperBoundA(ev), headroom.of(ev.session.evse));
        if (limitA < MIN_CURRENT_A) continue;
        limitsA[k] = limitA;
        headroom.take(ev.session.evse, limitA);
      }
      return limitsA;
    },
  };
}

/** Ascending by key, then by arrival, then by session id: the same order on every run. */
function sortedIndices(active: readonly ActiveEv[], key: (ev: ActiveEv) => number): number[] {
  const keys = active.map(key);
  return active
    .map((_, k) => k)
    .sort(
      (a, b) =>
        keys[a] - keys[b] ||
        active[a].session.arrival - active[b].session.arrival ||
        active[a].session.id.localeCompare(active[b].session.id),
    );
}

export function firstComeFirstServed(topology: Topology): Scheduler {
  return sortedGreedy('FCFS', topology, (ev) => ev.session.arrival);
}

export function earliestDeadlineFirst(topology: Topology): Scheduler {
  return sortedGreedy('EDF', topology, (ev) => ev.session.departure);
}

/** Laxity: periods left before departure minus periods needed at the maximum current. */
export function leastLaxityFirst(topology: Topology): Scheduler {
  const periodWhAtMaximum = MAX_CURRENT_A * VOLTS * PERIOD_HOURS;
  return sortedGreedy(
    'LLF',
    topology,
    (ev, period) => ev.session.departure - period - ev.remainingWh / periodWhAtMaximum,
  );
}

/** Round-robin's step: 1 A, the AeroVironment EVSE's pilot resolution. */
const STEP_A = 1;

/**
 * ACN's round-robin: in arrival order, each EV in turn is raised one step (from 0 straight to the
 * minimum) while that fits; one that cannot be raised leaves the queue. Ends when the queue is empty.
 */
export function roundRobin(topology: Topology): Scheduler {
  return {
    name: 'round-robin',
    respectsLimits: true,
    limits(_period, active) {
      const headroom = new Headroom(topology);
      const limitsA = active.map(() => 0);
      let queue = sortedIndices(active, (ev) => ev.session.arrival);
      while (queue.length > 0) {
        queue = queue.filter((k) => raiseOneStep(active[k], k, limitsA, headroom));
      }
      return limitsA;
    },
  };
}

/** Raises EV k one step if that fits; false when it cannot be raised any more. */
function raiseOneStep(ev: ActiveEv, k: number, limitsA: number[], headroom: Headroom): boolean {
  const upperA = upperBoundA(ev);
  const nextA = limitsA[k] === 0 ? MIN_CURRENT_A : Math.min(upperA, limitsA[k] + STEP_A);
  if (nextA <= limitsA[k] || nextA - limitsA[k] > headroom.of(ev.session.evse)) return false;
  headroom.take(ev.session.evse, nextA - limitsA[k]);
  limitsA[k] = nextA;
  return nextA < upperA;
}
