/**
 * The offline optimum of `bench:acn`: with perfect foresight of every arrival, departure and demand
 * of the day, the most energy the site's limits allow, as a linear program solved by HiGHS. Its
 * currents are continuous in [0, 32] A (no minimum): the upper bound every online scheduler is
 * measured against, as in the ACN papers.
 */
import type { Highs } from 'highs';
import type { AcnSession } from './acn-data';
import { constraintsOf, MAX_CURRENT_A, VOLTS, type Topology } from './acn-topology';
import { assertWithinLimits, isoOf, PERIOD_HOURS, type ReplayResult } from './acn-replay';

/** What HiGHS may give up of the maximum when the second LP holds it, for its rounding. */
const HOLD_SLACK = 1e-7;
const WH_PER_A = VOLTS * PERIOD_HOURS;

interface Column {
  name: string;
  session: number;
  period: number;
}

export function offlineOptimum(
  highs: Highs,
  sessions: readonly AcnSession[],
  topology: Topology,
): ReplayResult {
  const started = process.hrtime.bigint();
  const columns = sessions.flatMap((s, i) =>
    Array.from({ length: s.departure - s.arrival }, (_, k) => ({
      name: `x${i}_${k}`,
      session: i,
      period: s.arrival + k,
    })),
  );
  const rows = [...limitRows(sessions, topology, columns), ...energyRows(sessions, columns)];
  const bounds = columns.map((c) => ` 0 <= ${c.name} <= ${MAX_CURRENT_A}`);
  const all = columns.map((c) => c.name).join(' + ');
  const most = solve(highs, ['Maximize', ` obj: ${all}`, 'Subject To', ...rows, 'Bounds', ...bounds, 'End']);
  // Among the plans that deliver the most, the lowest peak: the offline peak is then well defined.
  const hold = ` hold: ${all} >= ${most.objective * (1 - HOLD_SLACK)}`;
  const peakRows = periodGroups(columns).map(
    ([period, names]) => ` p${period}: ${names.join(' + ')} - z <= 0`,
  );
  const lowest = solve(highs, [
    'Minimize',
    ' obj: z',
    'Subject To',
    ...rows,
    hold,
    ...peakRows,
    'Bounds',
    ...bounds,
    ' z >= 0',
    'End',
  ]);
  checkSolution(sessions, topology, columns, lowest.values);
  return {
    demandWh: sessions.reduce((sum, s) => sum + s.demandWh, 0),
    deliveredWh: most.objective * WH_PER_A,
    peakKw: (lowest.objective * VOLTS) / 1000,
    overloadedPeriods: 0,
    checkedPeriods: periodGroups(columns).length,
    tailsWh: 0,
    schedulerMs: Number(process.hrtime.bigint() - started) / 1e6,
  };
}

/** The columns of each period, by period. */
function periodGroups(columns: readonly Column[]): [number, string[]][] {
  const byPeriod = new Map<number, string[]>();
  for (const c of columns) appendTo(byPeriod, c.period, c.name);
  return [...byPeriod.entries()].sort((a, b) => a[0] - b[0]);
}

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function limitRows(
  sessions: readonly AcnSession[],
  topology: Topology,
  columns: readonly Column[],
): string[] {
  const cells = new Map<string, string[]>();
  for (const c of columns) {
    for (const k of constraintsOf(sessions[c.session].evse)) {
      const key = `${c.period}_${k}`;
      appendTo(cells, key, c.name);
    }
  }
  return [...cells.entries()].map(([key, names]) => {
    const limitA = topology.constraints[Number(key.split('_')[1])].limitA;
    return ` c${key}: ${names.join(' + ')} <= ${limitA}`;
  });
}

/** In ampere-periods: a session takes no more than its demand. */
function energyRows(sessions: readonly AcnSession[], columns: readonly Column[]): string[] {
  const bySession = new Map<number, string[]>();
  for (const c of columns) appendTo(bySession, c.session, c.name);
  return sessions.map(
    (s, i) => ` e${i}: ${(bySession.get(i) ?? []).join(' + ')} <= ${s.demandWh / WH_PER_A}`,
  );
}

function solve(highs: Highs, lines: readonly string[]): { objective: number; values: Map<string, number> } {
  const solution = highs.solve(lines.join('\n'));
  if (solution.Status !== 'Optimal') throw new Error(`HiGHS: ${solution.Status}`);
  // An optimal LP solution has a primal value for every column; NaN would fail the limit check.
  const columns: Record<string, { Primal?: number }> = solution.Columns;
  const values = new Map(Object.entries(columns).map(([name, c]) => [name, c.Primal ?? NaN]));
  return { objective: solution.ObjectiveValue, values };
}

/** The LP's currents, period by period, against the same rules as every scheduler's (no minimum). */
function checkSolution(
  sessions: readonly AcnSession[],
  topology: Topology,
  columns: readonly Column[],
  values: ReadonlyMap<string, number>,
): void {
  const byPeriod = new Map<number, Column[]>();
  for (const c of columns) appendTo(byPeriod, c.period, c);
  for (const [period, present] of byPeriod) {
    assertWithinLimits(
      topology,
      present.map((c) => sessions[c.session].evse),
      present.map((c) => values.get(c.name) ?? NaN),
      `offline optimum, ${topology.capacityKw} kW, ${isoOf(period)}`,
      false,
    );
  }
}
