/**
 * The offline optimum of `bench:acn`: with perfect foresight of every arrival, departure and demand
 * of the day, the most energy the Caltech network allows, as a linear program solved by HiGHS. Its
 * currents are continuous in [0, 32] A (no minimum), as in the ACN papers. The exact constraints are
 * circles (|phasor sum| ≤ c); the LP replaces each by a regular polygon of K = 64 sides inscribed in it
 * (every solution is feasible for the exact network and is checked against it: a lower bound of the
 * exact optimum, short of it by at most the factor cos(π/64) ≈ 0.9988 on the transformer's limits), and
 * `offlineUpperBoundWh` by the polygon circumscribed about it (an upper bound): together they bracket
 * the exact second-order-cone optimum.
 */
import type { Highs } from 'highs';
import type { AcnSession } from './acn-data';
import {
  MAX_CURRENT_A,
  unitPhasor,
  VOLTS,
  type LinePair,
  type PhasorConstraint,
  type Topology,
} from './acn-topology';
import { assertWithinLimits, isoOf, PERIOD_HOURS, type ReplayResult } from './acn-replay';

/** The sides of the polygons that stand for the circles of the exact constraints. */
export const POLYGON_SIDES = 64;

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
  const columns = columnsOf(sessions);
  const rows = [...limitRows(sessions, topology, columns, 'inscribed'), ...energyRows(sessions, columns)];
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
    violationPeriods: 0,
    worstExcessA: 0,
    worstConstraint: '',
    checkedPeriods: periodGroups(columns).length,
    tailsWh: 0,
    schedulerMs: Number(process.hrtime.bigint() - started) / 1e6,
  };
}

/** One current per session and period of its stay. */
function columnsOf(sessions: readonly AcnSession[]): Column[] {
  return sessions.flatMap((s, i) =>
    Array.from({ length: s.departure - s.arrival }, (_, k) => ({
      name: `x${i}_${k}`,
      session: i,
      period: s.arrival + k,
    })),
  );
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

/** The polygon standing for a circle: inscribed (inside it, feasible) or circumscribed (around it, a bound). */
type Polygon = 'inscribed' | 'circumscribed';

function limitRows(
  sessions: readonly AcnSession[],
  topology: Topology,
  columns: readonly Column[],
  polygon: Polygon,
): string[] {
  const byPeriod = new Map<number, Column[]>();
  for (const c of columns) appendTo(byPeriod, c.period, c);
  return [...byPeriod].flatMap(([period, present]) => {
    return topology.constraints.flatMap((constraint, i) =>
      constraintRows(constraint, `c${period}_${i}`, present, sessions, polygon),
    );
  });
}

/** Term weights below this are cos(90°) rounding: left out of a row. */
const ZERO_WEIGHT = 1e-12;

/**
 * The rows of one exact constraint in one period: for each side of the polygon whose normal φ can bind
 * (see `bindingNormals`), Σ_j coefficient_j · cos(θ_j − φ) · r_j ≤ c · cos(π/K) inscribed (or ≤ c
 * circumscribed). A pod's EVSEs share one phase: its row is the plain sum.
 */
function constraintRows(
  constraint: PhasorConstraint,
  prefix: string,
  present: readonly Column[],
  sessions: readonly AcnSession[],
  polygon: Polygon,
): string[] {
  const terms = present.flatMap((c) => {
    const evse = sessions[c.session].evse;
    const coefficient = constraint.coefficients[evse.linePair];
    if (coefficient === undefined || (constraint.pod !== undefined && evse.pod !== constraint.pod)) return [];
    return [{ name: c.name, coefficient, pair: evse.linePair }];
  });
  if (terms.length === 0) return [];
  if (constraint.pod !== undefined) {
    return [` ${prefix}: ${terms.map((t) => t.name).join(' + ')} <= ${constraint.limitA}`];
  }
  const sideA =
    polygon === 'inscribed' ? constraint.limitA * Math.cos(Math.PI / POLYGON_SIDES) : constraint.limitA;
  const directions = [...new Set(terms.map((t) => t.pair))].map((pair) => directionOf(constraint, pair));
  return bindingNormals(directions)
    .map((phi, k) => {
      const row = terms
        .map((t) => {
          const unit = unitPhasor(t.pair);
          const weight = t.coefficient * (unit.re * Math.cos(phi) + unit.im * Math.sin(phi));
          return { name: t.name, weight };
        })
        .filter((t) => Math.abs(t.weight) > ZERO_WEIGHT)
        .map((t) => `${t.weight < 0 ? '-' : '+'} ${Math.abs(t.weight)} ${t.name}`);
      return row.length === 0 ? '' : ` ${prefix}_${k}: ${row.join(' ')} <= ${sideA}`;
    })
    .filter((row) => row !== '');
}

/** The angle (rad) of a line pair's contribution to a constraint: its phasor, turned round when subtracted. */
function directionOf(constraint: PhasorConstraint, pair: LinePair): number {
  const unit = unitPhasor(pair);
  const angle = Math.atan2(unit.im, unit.re);
  return constraint.coefficients[pair]! < 0 ? angle + Math.PI : angle;
}

const TWO_PI = 2 * Math.PI;

function normalised(angle: number): number {
  return ((angle % TWO_PI) + TWO_PI) % TWO_PI;
}

/**
 * The normals of the polygon's sides that can bind: with non-negative pilots the phasor sum lies in the
 * cone of the directions present, and inside that cone the polygon is cut only by the sides whose arc
 * (normal ± π/K) meets the cone. All sides when the cone is half the plane or more.
 */
function bindingNormals(directions: readonly number[]): number[] {
  const normals = Array.from({ length: POLYGON_SIDES }, (_, k) => (TWO_PI * k) / POLYGON_SIDES);
  const sorted = directions.map(normalised).sort((a, b) => a - b);
  const gaps = sorted.map((a, k) => (k + 1 < sorted.length ? sorted[k + 1] - a : sorted[0] + TWO_PI - a));
  const widest = gaps.indexOf(Math.max(...gaps));
  if (gaps[widest] <= Math.PI) return normals;
  const start = sorted[(widest + 1) % sorted.length];
  const span = TWO_PI - gaps[widest];
  const halfSide = Math.PI / POLYGON_SIDES + 1e-9;
  return normals.filter((phi) => {
    const from = normalised(phi - start);
    const distance = from <= span ? 0 : Math.min(from - span, TWO_PI - from);
    return distance <= halfSide;
  });
}

/**
 * The most energy (Wh) with the circumscribed polygons: no schedule of the exact network delivers more.
 */
export function offlineUpperBoundWh(
  highs: Highs,
  sessions: readonly AcnSession[],
  topology: Topology,
): number {
  const columns = columnsOf(sessions);
  const rows = [...limitRows(sessions, topology, columns, 'circumscribed'), ...energyRows(sessions, columns)];
  const bounds = columns.map((c) => ` 0 <= ${c.name} <= ${MAX_CURRENT_A}`);
  const all = columns.map((c) => c.name).join(' + ');
  return (
    solve(highs, ['Maximize', ` obj: ${all}`, 'Subject To', ...rows, 'Bounds', ...bounds, 'End']).objective *
    WH_PER_A
  );
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

/** The LP's currents, period by period, against the exact network (any pilot in [0, 32] A). */
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
      true,
    );
  }
}
