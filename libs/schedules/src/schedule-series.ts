import { addDays, isoWeekday, localDateOf, localToUtc, LocalDate, minutesOf } from './local-time';

export type PhaseAmps = readonly [number, number, number];

/** Recurring on `weekdays` (ISO, 1 = Monday; null = every day) or on one `date`, from `startTime` to `endTime` local. */
export interface ScheduleWindow {
  weekdays: number[] | null;
  date: string | null;
  startTime: string;
  endTime: string;
}

export interface PeakShavingRule extends ScheduleWindow {
  name: string;
  limitKw: number | null;
  limitPercent: number | null;
}

export interface Tariff extends ScheduleWindow {
  name: string;
  pricePerKwh: number;
  currency: string;
}

/** What a rule's limit is relative to. */
export interface SiteShape {
  timeZone: string;
  nominalVoltageV: number;
  gridLimitA: PhaseAmps;
}

export interface Interval {
  start: Date;
  end: Date;
}

/** A span of time with the per-phase limit the rules impose on the site (null: none beyond its own). */
export interface LimitSegment {
  start: string;
  end: string;
  /** Per phase, from rules in percent of the grid connection; null: none. */
  limitsA: PhaseAmps | null;
  /** Over the three phases together, from rules in kW; null: none. */
  totalW: number | null;
  /** The rules that set the limit, for the explanations. */
  rules: string[];
}

export interface PriceSegment {
  start: string;
  end: string;
  pricePerKwh: number;
  currency: string;
}

function occursOn(window: ScheduleWindow, date: LocalDate): boolean {
  if (window.date !== null) return window.date === date;
  return window.weekdays === null || window.weekdays.includes(isoWeekday(date));
}

/** The occurrences of a window that overlap [from, to), as UTC instants; an end not after the start ends the next day. */
export function windowIntervals(window: ScheduleWindow, timeZone: string, from: Date, to: Date): Interval[] {
  const startMinutes = minutesOf(window.startTime);
  const endMinutes = minutesOf(window.endTime);
  const intervals: Interval[] = [];
  const last = localDateOf(to, timeZone);
  for (let date = addDays(localDateOf(from, timeZone), -1); date <= last; date = addDays(date, 1)) {
    if (!occursOn(window, date)) continue;
    const endDate = endMinutes > startMinutes ? date : addDays(date, 1);
    const interval = {
      start: localToUtc(date, startMinutes, timeZone),
      end: localToUtc(endDate, endMinutes, timeZone),
    };
    // A window inside a spring-forward gap does not occur that day.
    if (interval.end > interval.start && interval.end > from && interval.start < to) intervals.push(interval);
  }
  return intervals;
}

/**
 * What a rule limits: kW over the three phases together (an exact total, like the site's own total limit),
 * or a percentage of the grid connection on each phase.
 */
export function ruleLimit(
  rule: PeakShavingRule,
  site: SiteShape,
): { limitsA: PhaseAmps | null; totalW: number | null } {
  const limitsA =
    rule.limitPercent === null
      ? null
      : (site.gridLimitA.map((a) => (a * rule.limitPercent!) / 100) as unknown as PhaseAmps);
  return { limitsA, totalW: rule.limitKw === null ? null : rule.limitKw * 1000 };
}

interface Occurrence<T> extends Interval {
  item: T;
  dated: boolean;
}

/** Splits [from, to) at every occurrence edge and gives each piece the occurrences that cover it. */
function segmentsOf<T>(occurrences: Occurrence<T>[], from: Date, to: Date) {
  const edges = new Set([from.getTime(), to.getTime()]);
  for (const o of occurrences) {
    for (const t of [o.start.getTime(), o.end.getTime()])
      if (t > from.getTime() && t < to.getTime()) edges.add(t);
  }
  const sorted = [...edges].sort((a, b) => a - b);
  return sorted.slice(0, -1).map((start, i) => {
    const covering = occurrences.filter((o) => o.start.getTime() <= start && o.end.getTime() > start);
    const dated = covering.filter((o) => o.dated);
    // A rule for a specific date replaces the recurring ones while it applies.
    const applicable = dated.length > 0 ? dated : covering;
    return { start: new Date(start).toISOString(), end: new Date(sorted[i + 1]).toISOString(), applicable };
  });
}

function occurrencesOf<T extends ScheduleWindow>(
  items: T[],
  timeZone: string,
  from: Date,
  to: Date,
): Occurrence<T>[] {
  return items.flatMap((item) =>
    windowIntervals(item, timeZone, from, to).map((interval) => ({
      ...interval,
      item,
      dated: item.date !== null,
    })),
  );
}

/**
 * The limits the peak-shaving rules put on the site over [from, to): where several apply, the tightest per
 * phase; a dated rule replaces the recurring ones; "no limit" rules add nothing. Neighbours with the same
 * limit are merged.
 */
export function peakShavingSeries(
  rules: PeakShavingRule[],
  site: SiteShape,
  from: Date,
  to: Date,
): LimitSegment[] {
  const segments = segmentsOf(occurrencesOf(rules, site.timeZone, from, to), from, to).map(
    ({ start, end, applicable }) => {
      const limits = applicable.map((o) => ruleLimit(o.item, site));
      const perPhase = limits.flatMap((l) => (l.limitsA ? [l.limitsA] : []));
      const totals = limits.flatMap((l) => (l.totalW === null ? [] : [l.totalW]));
      const limitsA =
        perPhase.length === 0
          ? null
          : ([0, 1, 2].map((phase) => Math.min(...perPhase.map((a) => a[phase]))) as unknown as PhaseAmps);
      const totalW = totals.length === 0 ? null : Math.min(...totals);
      return { start, end, limitsA, totalW, rules: applicable.map((o) => o.item.name) };
    },
  );
  return mergeNeighbours(
    segments,
    (a, b) =>
      JSON.stringify([a.limitsA, a.totalW, a.rules]) === JSON.stringify([b.limitsA, b.totalW, b.rules]),
  );
}

/**
 * The energy price over [from, to) for cost-aware planning: a dated tariff replaces recurring ones; where
 * tariffs overlap the highest price counts, the cautious reading. Spans without a tariff are left out.
 */
export function tariffSeries(tariffs: Tariff[], timeZone: string, from: Date, to: Date): PriceSegment[] {
  const segments = segmentsOf(occurrencesOf(tariffs, timeZone, from, to), from, to).flatMap(
    ({ start, end, applicable }) => {
      if (applicable.length === 0) return [];
      const top = applicable.reduce((a, b) => (b.item.pricePerKwh > a.item.pricePerKwh ? b : a)).item;
      return [{ start, end, pricePerKwh: top.pricePerKwh, currency: top.currency }];
    },
  );
  return mergeNeighbours(segments, (a, b) => a.pricePerKwh === b.pricePerKwh && a.currency === b.currency);
}

function mergeNeighbours<T extends { start: string; end: string }>(
  segments: T[],
  same: (a: T, b: T) => boolean,
): T[] {
  const merged: T[] = [];
  for (const segment of segments) {
    const previous = merged.at(-1);
    if (previous && previous.end === segment.start && same(previous, segment))
      merged[merged.length - 1] = { ...previous, end: segment.end };
    else merged.push(segment);
  }
  return merged;
}

/**
 * Cron patterns (minute hour day month weekday) of a window's start and end, in the site's zone, for the
 * job schedulers that re-plan at each edge. An end at 24:00 or past midnight fires on the next day.
 */
export function edgePatterns(window: ScheduleWindow): { start: string; end: string } {
  const startMinutes = minutesOf(window.startTime);
  const endMinutes = minutesOf(window.endTime);
  const endDayShift = endMinutes <= startMinutes || endMinutes === 1440 ? 1 : 0;
  return {
    start: cronAt(window, startMinutes, 0),
    end: cronAt(window, endMinutes % 1440, endDayShift),
  };
}

function cronAt(window: ScheduleWindow, minutes: number, dayShift: number): string {
  const time = `${minutes % 60} ${Math.floor(minutes / 60)}`;
  if (window.date !== null) {
    const [, month, day] = addDays(window.date, dayShift).split('-').map(Number);
    return `${time} ${day} ${month} *`;
  }
  if (window.weekdays === null) return `${time} * * *`;
  const days = window.weekdays.map((d) => (d + dayShift) % 7).sort((a, b) => a - b);
  return `${time} * * ${[...new Set(days)].join(',')}`;
}
