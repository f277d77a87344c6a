/**
 * The baselines the ACN research compares (Lee, Li & Low, ACN-Sim and "Adaptive charging networks"),
 * written for `bench:acn` after ACN-Sim's `SortedSchedulingAlgo` and `RoundRobin`: pilots are taken from
 * each EVSE's allowed set (AeroVironment 0 or 6–32 A, ClipperCreek 0/8/16/24/32 A), and each candidate
 * schedule is tested against the exact phasor constraints of the Caltech network.
 */
import { allowedPilots, MAX_CURRENT_A, NetworkLoad, VOLTS, type Topology } from './acn-topology';
import { PERIOD_HOURS, type ActiveEv, type Scheduler } from './acn-replay';

/**
 * The pilots an EV may be given, ascending from 0: those of its EVSE up to the least one that completes
 * its energy this period (ACN-Sim caps at the remaining amp-periods; rounding that cap up to the EVSE's
 * set keeps an EV with a small remainder from being stranded at 0 A, and it draws no more than it wants).
 */
function candidatePilots(ev: ActiveEv): readonly number[] {
  const completingA = ev.remainingWh / (VOLTS * PERIOD_HOURS);
  const pilots = allowedPilots(ev.session.evse);
  const cap = pilots.find((a) => a >= completingA) ?? MAX_CURRENT_A;
  return pilots.filter((a) => a <= cap);
}

/** Uncontrolled: every EV at the most its EVSE gives (up to completing it), whatever the transformer. */
export function uncontrolled(): Scheduler {
  return {
    name: 'uncontrolled',
    respectsLimits: false,
    limits: (_period, active) => active.map((ev) => candidatePilots(ev).at(-1)!),
  };
}

/**
 * ACN-Sim's sorted algorithms: in the order of the key, each EV gets the highest pilot of its set that
 * keeps every exact constraint with those before it (0 when none does).
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
      const load = new NetworkLoad(topology);
      const pilotsA = active.map(() => 0);
      for (const k of sortedIndices(active, (ev) => key(ev, period))) {
        const evse = active[k].session.evse;
        const pilotA = [...candidatePilots(active[k])].reverse().find((a) => load.fitsWith(evse, a)) ?? 0;
        pilotsA[k] = pilotA;
        load.add(evse, pilotA);
      }
      return pilotsA;
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

/**
 * ACN-Sim's round-robin: in arrival order, each EV in turn is raised to the next pilot of its set while
 * the exact constraints still hold; one that cannot be raised, or is at its top, leaves the queue.
 */
export function roundRobin(topology: Topology): Scheduler {
  return {
    name: 'round-robin',
    respectsLimits: true,
    limits(_period, active) {
      const load = new NetworkLoad(topology);
      const steps = active.map(() => 0);
      const candidates = active.map(candidatePilots);
      let queue = sortedIndices(active, (ev) => ev.session.arrival);
      while (queue.length > 0) {
        queue = queue.filter((k) => raiseOneStep(active[k], candidates[k], k, steps, load));
      }
      return steps.map((step, k) => candidates[k][step]);
    },
  };
}

/** Raises EV k to its next pilot if that fits; false when it cannot be raised any more. */
function raiseOneStep(
  ev: ActiveEv,
  candidates: readonly number[],
  k: number,
  steps: number[],
  load: NetworkLoad,
): boolean {
  const next = steps[k] + 1;
  if (next >= candidates.length) return false;
  const deltaA = candidates[next] - candidates[steps[k]];
  if (!load.fitsWith(ev.session.evse, deltaA)) return false;
  load.add(ev.session.evse, deltaA);
  steps[k] = next;
  return next < candidates.length - 1;
}
