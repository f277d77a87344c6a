/** One block of a connector plan: from `start` (inclusive) to `end` (exclusive, null = open) at `limitA`. */
export interface ProfilePeriod {
  start: string;
  end: string | null;
  limitA: number;
}

export interface SchedulePeriod {
  startPeriod: number;
  limit: number;
  /** Absent for DC, where phases mean nothing to the charger (2.0.1 K01.FR.44). */
  numberPhases?: number;
}

/** An Absolute schedule, in the shape both OCPP versions share. */
export interface AbsoluteSchedule {
  startSchedule: string;
  duration?: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: SchedulePeriod[];
}

export interface ScheduleOptions {
  /** The phases the EV is offered (`numberPhases`): 1 for a connector wired line to line. */
  phases: 1 | 2 | 3;
  /** The most periods the charger accepts in one schedule; unlimited when absent. */
  maxPeriods?: number;
  /**
   * `A` (per phase) unless the charger accepts only `W`: then total watts at the nominal voltage over
   * `phases`, which is how the charger converts them back (1.6 §3.13.4, 2.0.1 K01.FR.50).
   */
  rateUnit?: 'A' | 'W';
  /** Needed for `W`: the volts of each of `phases` (V_ll for a connector wired line to line). */
  nominalVoltageV?: number;
  /**
   * A DC charger: always `W` (the power it may take from the grid: A per phase × nominal voltage × the grid
   * phases it is fed by, `phases`), and no `numberPhases` in the periods.
   */
  dc?: boolean;
  /**
   * The connector's safe share (A per phase): a plan with an end is followed by an open-ended period at this
   * limit (or the plan's last limit when lower), so that a charger that loses us stays within it.
   */
  tailLimitA?: number;
}

/**
 * One id per connector and purpose: a charger replaces a profile with the same id, so every update
 * overwrites the previous one instead of stacking on it.
 */
export const TX_DEFAULT_PROFILE_ID_BASE = 1000;
export const TX_PROFILE_ID_BASE = 2000;

/** The lowest current IEC 61851 can signal; some chargers raise anything between 0 and this to it. */
export const MIN_AC_LIMIT_A = 6;

/**
 * A replacing profile whose schedule starts in the future leaves the connector on default behaviour until
 * then (1.6 §3.13.2); starting it a little in the past makes it apply on receipt despite clock skew.
 */
const START_LEAD_MS = 5_000;

/**
 * The schedule for a connector plan from `now` on: periods as offsets from a start slightly in the past,
 * equal neighbours merged, limits rounded down to 0.1 A (or whole watts) and never between 0 and 6 A, cut to
 * `maxPeriods`.
 */
export function buildAbsoluteSchedule(
  plan: readonly ProfilePeriod[],
  now: Date,
  options: ScheduleOptions,
): AbsoluteSchedule {
  const periods = withConservativeTail(currentPeriods(plan, now), options.tailLimitA);
  const startMs = wholeSeconds(Math.min(parseTime(periods[0].start), now.getTime() - START_LEAD_MS));
  const last = periods[periods.length - 1];
  const schedule: AbsoluteSchedule = {
    startSchedule: new Date(startMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    chargingRateUnit: rateUnitOf(options),
    chargingSchedulePeriod: cutToMaxPeriods(schedulePeriods(periods, startMs, options), options),
  };
  if (last.end !== null) schedule.duration = secondsSince(startMs, last.end);
  return schedule;
}

/** The periods that have not ended before `now`. */
function currentPeriods(periods: readonly ProfilePeriod[], now: Date): ProfilePeriod[] {
  if (periods.length === 0) throw new Error('A charging profile needs at least one period');
  const current = periods.filter((period) => period.end === null || parseTime(period.end) > now.getTime());
  if (current.length === 0) throw new Error('Every period of the charging profile has already ended');
  return current;
}

/**
 * Without a tail the schedule would simply end, and the charger fall back to whatever it holds — or charge
 * unconstrained. The tail never raises the last planned limit.
 */
function withConservativeTail(periods: ProfilePeriod[], tailLimitA: number | undefined): ProfilePeriod[] {
  const last = periods[periods.length - 1];
  if (tailLimitA === undefined || last.end === null) return periods;
  return [...periods, { start: last.end, end: null, limitA: Math.min(tailLimitA, last.limitA) }];
}

/**
 * Periods as offsets from the schedule start; the first applies from the start, equal neighbours merged.
 * OCPP counts periods in whole seconds, but plan instants (from the DSO's blocks) may carry milliseconds: each
 * second a change falls within gets the lowest limit in force during it, so a lowering starts at the floor of
 * its instant and a raise at the ceiling, and the charger is never above the plan, not even for a sub-second.
 */
function schedulePeriods(
  periods: ProfilePeriod[],
  startMs: number,
  options: ScheduleOptions,
): SchedulePeriod[] {
  const toLimit = limitConverter(options);
  const segments = periods.map((period, index) => ({
    fromMs: index === 0 ? 0 : parseTime(period.start) - startMs,
    limit: toLimit(validLimit(period.limitA)),
  }));
  const boundaries = secondBoundaries(segments);
  const lowest = new LowestLimitSweep(segments);
  const result: SchedulePeriod[] = [];
  for (const [index, startPeriod] of boundaries.entries()) {
    const limit = lowest.during(startPeriod, boundaries[index + 1]);
    if (result.at(-1)?.limit === limit) continue;
    result.push(options.dc ? { startPeriod, limit } : { startPeriod, limit, numberPhases: options.phases });
  }
  return result;
}

interface Segment {
  fromMs: number;
  limit: number;
}

/** Every whole second (from the schedule start) at or around which a segment starts, in order. */
function secondBoundaries(segments: readonly Segment[]): number[] {
  const seconds = segments.flatMap((segment) => [
    Math.floor(segment.fromMs / 1000),
    Math.ceil(segment.fromMs / 1000),
  ]);
  return [...new Set(seconds)].sort((a, b) => a - b);
}

/**
 * The lowest limit of the segments (in order, each until the next starts) in force at some instant of
 * `[fromS, toS)` (toS undefined = open), asked for windows in rising order: the segments are walked once for
 * all windows rather than filtered for each, so that a plan of thousands of periods costs linear time.
 */
class LowestLimitSweep {
  private first = 0;

  constructor(private readonly segments: readonly Segment[]) {}

  during(fromS: number, toS: number | undefined): number {
    const fromMs = fromS * 1000;
    const toMs = toS === undefined ? Infinity : toS * 1000;
    while (this.first < this.segments.length && this.endMs(this.first) <= fromMs) this.first++;
    let lowest = Infinity;
    for (let i = this.first; i < this.segments.length && this.segments[i].fromMs < toMs; i++) {
      lowest = Math.min(lowest, this.segments[i].limit);
    }
    return lowest;
  }

  private endMs(index: number): number {
    return this.segments[index + 1]?.fromMs ?? Infinity;
  }
}

function rateUnitOf(options: ScheduleOptions): 'A' | 'W' {
  return options.dc ? 'W' : (options.rateUnit ?? 'A');
}

function limitConverter(options: ScheduleOptions): (limitA: number) => number {
  if (rateUnitOf(options) !== 'W') return (limitA) => limitA;
  const voltage = options.nominalVoltageV;
  if (voltage === undefined || !Number.isFinite(voltage) || voltage <= 0) {
    throw new Error('A schedule in W needs the nominal voltage');
  }
  return (limitA) => Math.floor(limitA * voltage * options.phases + 1e-9);
}

/**
 * Keeps the first `maxPeriods - 1` periods and replaces the rest by one period at the lowest of their limits:
 * cutting may only lower what the charger is allowed, never raise it.
 */
function cutToMaxPeriods(periods: SchedulePeriod[], options: ScheduleOptions): SchedulePeriod[] {
  const max = options.maxPeriods;
  if (max === undefined || periods.length <= max) return periods;
  if (!Number.isInteger(max) || max < 1) throw new Error(`Invalid period limit ${max}`);
  const kept = periods.slice(0, max - 1);
  const rest = periods.slice(max - 1);
  const tail = { ...rest[0], limit: Math.min(...rest.map((period) => period.limit)) };
  return kept.at(-1)?.limit === tail.limit ? kept : [...kept, tail];
}

function validLimit(limitA: number): number {
  if (!Number.isFinite(limitA) || limitA < 0) throw new Error(`Invalid current limit ${limitA} A`);
  return sentLimitA(limitA);
}

/**
 * What a charger is sent for a planned limit: rounded down to 0.1 A, and 0 below the lowest current IEC 61851
 * can signal. Two plans sending the same are the same to the charger.
 */
export function sentLimitA(limitA: number): number {
  const limit = floorToTenth(limitA);
  return limit < MIN_AC_LIMIT_A ? 0 : limit;
}

/** Rounds down to 0.1, with a margin so that values like 16.0 or 6.1 stored as 6.0999… keep their tenth. */
function floorToTenth(value: number): number {
  return Math.floor(value * 10 + 1e-9) / 10;
}

function parseTime(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`Invalid period time ${iso}`);
  return ms;
}

function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

function secondsSince(startMs: number, iso: string): number {
  return Math.floor((parseTime(iso) - startMs) / 1000);
}
