import type { PerPhase } from '@gridflex/optimizer';

export interface OscpBlock {
  capacity: number;
  phase: 'UNKNOWN' | 'ONE' | 'TWO' | 'THREE' | 'ALL';
  unit: 'A' | 'W' | 'KW' | 'WH' | 'KWH';
  start_time: string;
  end_time: string;
}

/** One OSCP forecast message of one (group, type), as stored on receipt. */
export interface StoredForecast {
  receivedAt: Date;
  blocks: OscpBlock[];
}

/** Where a limit comes from, as the dashboard names it (e.g. `forecast`, `gap: safe default`). */
export type CapacityOrigin = string;

/** An elementary interval [start, end) (UTC ISO instants) with the tightest limit per phase. */
export interface CapacityBlock {
  start: string;
  end: string;
  limitsA: PerPhase;
  /** Where the limit of the tightest phase comes from (`groupCapacity` only). */
  origin?: CapacityOrigin;
}

/** How a peer's `phase: ALL` blocks are read (a per-peer OSCP option). */
export type PhaseAllReading = 'PER_PHASE' | 'TOTAL';

export interface BlockConversion {
  nominalVoltageV: number;
  phaseAll?: PhaseAllReading;
}

/** How a source's limits are named: its forecasts, its gap forecasts, its gap default. */
export interface SourceOrigins {
  forecast: CapacityOrigin;
  gapForecast: CapacityOrigin;
  gap: CapacityOrigin;
}

/**
 * The forecasts of one peer for a group, and what applies where none of them covers a time or phase:
 * its `gapForecasts` where they cover it (its fallback forecasts while it is online), else `gapLimitsA`.
 */
export interface ForecastSource {
  forecasts: StoredForecast[];
  gapForecasts?: StoredForecast[];
  conversion: number | BlockConversion;
  gapLimitsA: PerPhase;
  origins?: SourceOrigins;
}

export interface GroupCapacity {
  timeline: CapacityBlock[];
  /** The limit where no block of any source covers the time, including after the last block. */
  gapLimitsA: PerPhase;
  /** Where `gapLimitsA` comes from; absent where nothing limits the group. */
  gapOrigin?: CapacityOrigin;
}

const UNLIMITED: PerPhase = [Infinity, Infinity, Infinity];

const DEFAULT_ORIGINS: SourceOrigins = {
  forecast: 'forecast',
  gapForecast: 'gap: fallback forecast',
  gap: 'gap: safe default',
};

interface Interval {
  startMs: number;
  endMs: number;
}

const MS_PER_HOUR = 3_600_000;
const WATTS_PER_KW = 1000;
const HAS_TIME_OF_DAY = /\d{2}:\d{2}/;
const HAS_ZONE = /(?:z|[+-]\d{2}:?\d{2})$/i;
const PHASE_INDICATORS: readonly OscpBlock['phase'][] = ['ALL', 'UNKNOWN', 'ONE', 'TWO', 'THREE'];

/**
 * The block's capacity as amperes per phase (L1, L2, L3); phases it does not name stay Infinity.
 * Currents apply to each named phase; powers named ALL are totals over the three phases; UNKNOWN is
 * read the tightest way; energies are a budget for the block, spent at an even rate.
 */
export function toPhaseAmps(block: OscpBlock, conversion: number | BlockConversion): PerPhase {
  if (!Number.isFinite(block.capacity) || block.capacity < 0) {
    throw new Error(`OSCP block ${label(block)}: capacity must be a finite number >= 0`);
  }
  const nominalVoltageV = voltsOf(conversion);
  const amps =
    block.unit === 'A'
      ? block.capacity
      : averageWatts(block.capacity, block.unit, intervalOf(block)) / nominalVoltageV;
  return onPhases(block.phase, readsAsTotal(block, conversion) ? amps / 3 : amps);
}

/** A configured rate for all phases (e.g. a peer's gap capacity), read like a `phase: ALL` block. */
export function rateToPhaseAmps(
  capacity: number,
  unit: 'A' | 'W' | 'KW',
  conversion: number | BlockConversion,
): PerPhase {
  const hour = { start_time: new Date(0).toISOString(), end_time: new Date(MS_PER_HOUR).toISOString() };
  return toPhaseAmps({ capacity, unit, phase: 'ALL', ...hour }, conversion);
}

function voltsOf(conversion: number | BlockConversion): number {
  const volts = typeof conversion === 'number' ? conversion : conversion.nominalVoltageV;
  if (!Number.isFinite(volts) || volts <= 0) {
    throw new Error(`Nominal voltage must be a positive number of volts, got ${volts}`);
  }
  return volts;
}

/**
 * A total over three phases allows a third on each. `ALL` follows the peer's option, by default per
 * phase for currents and a total for powers; `UNKNOWN` always takes the tighter reading, the total.
 */
function readsAsTotal(block: OscpBlock, conversion: number | BlockConversion): boolean {
  const phaseAll = typeof conversion === 'number' ? undefined : conversion.phaseAll;
  if (block.phase === 'UNKNOWN') return true;
  if (block.phase !== 'ALL') return false;
  return phaseAll === undefined ? block.unit !== 'A' : phaseAll === 'TOTAL';
}

/**
 * Per-phase ampere limits where a block is in force (see `groupCapacity`) from the interval `now` falls
 * in on, sorted by start; gaps are left out.
 */
export function capacityTimeline(
  forecasts: StoredForecast[],
  conversion: number | BlockConversion,
  now: Date,
): CapacityBlock[] {
  const { timeline } = groupCapacity([{ forecasts, conversion, gapLimitsA: UNLIMITED }], now);
  return timeline.map(({ start, end, limitsA }) => ({ start, end, limitsA }));
}

/**
 * The group's capacity from all peers that govern it; per phase the tightest source wins.
 *
 * What is in force, per source and per phase indicator (the store's key, oscp.md §3.4): at each instant
 * the newest message whose span [min(start_time), max(end_time)) contains it; older messages are trimmed
 * to the parts outside newer spans and stay in force there. Where that message has blocks the lowest
 * applies; a gap inside its span is a gap. Where a source's `forecasts` leave a phase uncovered, its
 * `gapForecasts` apply the same way, and where those too leave it uncovered, its `gapLimitsA`. The
 * result's `gapLimitsA` applies where no source has any block.
 *
 * The timeline is cut at block boundaries, neighbours with equal limits joined.
 *
 * O(n log n) in the number of blocks: one sort of all boundaries, then each elementary interval is settled
 * once per layer and phase indicator (first by the newest span, then by the lowest block of that message).
 */
export function groupCapacity(sources: ForecastSource[], now: Date): GroupCapacity {
  const layers = sources.map((source) =>
    [source.forecasts, source.gapForecasts ?? []].map((forecasts) => toSeries(forecasts, source.conversion)),
  );
  const boundaries = sortedBoundaries(layers.flat(2).flatMap((series) => series.blocks));
  const cellOf = new Map(boundaries.map((ms, index) => [ms, index]));
  const cellCount = Math.max(0, boundaries.length - 1);
  const inForce = layers.map((perLayer) =>
    perLayer.map((series) => series.map((one) => limitsInForce(one, cellOf, cellCount))),
  );
  const timeline: CapacityBlock[] = [];
  for (let cell = 0; cell < cellCount; cell++) {
    if (boundaries[cell + 1] <= now.getTime()) continue;
    const perSource = sources.map((source, s) => sourceLimits(source, layers[s], inForce[s], cell));
    if (perSource.every((limits) => !limits.covered)) continue;
    const { limitsA, origin } = tightest(perSource);
    const start = new Date(boundaries[cell]).toISOString();
    const end = new Date(boundaries[cell + 1]).toISOString();
    const last = timeline.at(-1);
    if (last && last.end === start && last.origin === origin && sameLimits(last.limitsA, limitsA)) {
      last.end = end;
    } else {
      timeline.push({ start, end, limitsA, ...(origin !== undefined && { origin }) });
    }
  }
  const gap = tightest(sources.map((source) => sourceLimits(source, [], [], 0)));
  return { timeline, gapLimitsA: gap.limitsA, ...(gap.origin !== undefined && { gapOrigin: gap.origin }) };
}

/** A block of one phase indicator, as amperes on each phase the indicator names. */
interface SeriesBlock extends Interval {
  amps: number;
  /** Its message's place in the order of receipt. */
  message: number;
}

/** The blocks of one phase indicator in one layer of a source. */
interface Series {
  phases: readonly boolean[];
  blocks: SeriesBlock[];
  /** Per message in order of receipt, the span of its blocks of this indicator, if it has any. */
  spans: (Interval | undefined)[];
}

function toSeries(forecasts: StoredForecast[], conversion: number | BlockConversion): Series[] {
  const byReceipt = [...forecasts].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  return PHASE_INDICATORS.flatMap((phase): Series[] => {
    const blocks: SeriesBlock[] = [];
    const spans: (Interval | undefined)[] = [];
    byReceipt.forEach((forecast, message) => {
      for (const block of forecast.blocks.filter((b) => b.phase === phase)) {
        const interval = intervalOf(block);
        blocks.push({ ...interval, amps: Math.min(...toPhaseAmps(block, conversion)), message });
        spans[message] = widen(spans[message], interval);
      }
    });
    const phases = onPhases(phase, 0).map((amps) => amps === 0);
    return blocks.length === 0 ? [] : [{ phases, blocks, spans }];
  });
}

function widen(span: Interval | undefined, interval: Interval): Interval {
  if (!span) return interval;
  return { startMs: Math.min(span.startMs, interval.startMs), endMs: Math.max(span.endMs, interval.endMs) };
}

function sortedBoundaries(blocks: Interval[]): number[] {
  const edges = Float64Array.from(blocks.flatMap((block) => [block.startMs, block.endMs])).sort();
  return [...edges].filter((ms, i) => i === 0 || ms !== edges[i - 1]);
}

/**
 * The limit in force in each elementary interval, NaN where none: the newest message's span takes the
 * intervals no newer span has taken; then, per message, its blocks from the lowest up take the intervals
 * that message governs and that no lower block of it has taken.
 */
function limitsInForce(series: Series, cellOf: Map<number, number>, cellCount: number): Float64Array {
  const governor = new Int32Array(cellCount).fill(-1);
  const claimed = new Painter(cellCount);
  for (let message = series.spans.length - 1; message >= 0; message--) {
    const span = series.spans[message];
    if (!span) continue;
    claimed.paint(cellOf.get(span.startMs)!, cellOf.get(span.endMs)!, (cell) => (governor[cell] = message));
  }
  const governed = cellsPerMessage(governor, series.spans.length);
  const painters = governed.map((cells) => new Painter(cells.length));
  const limits = new Float64Array(cellCount).fill(NaN);
  for (const block of [...series.blocks].sort((a, b) => a.amps - b.amps)) {
    const cells = governed[block.message];
    const from = lowerBound(cells, cellOf.get(block.startMs)!);
    const to = lowerBound(cells, cellOf.get(block.endMs)!);
    painters[block.message].paint(from, to, (index) => (limits[cells[index]] = block.amps));
  }
  return limits;
}

/** Per message, the sorted intervals it governs. */
function cellsPerMessage(governor: Int32Array, messages: number): number[][] {
  const cells: number[][] = Array.from({ length: messages }, () => []);
  governor.forEach((message, cell) => {
    if (message >= 0) cells[message].push(cell);
  });
  return cells;
}

function lowerBound(sorted: number[], value: number): number {
  let [low, high] = [0, sorted.length];
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Visits each index of [0, size) once, however many overlapping ranges ask for it (union-find). */
class Painter {
  private readonly next: Int32Array;

  constructor(size: number) {
    this.next = Int32Array.from({ length: size + 1 }, (_, i) => i);
  }

  paint(from: number, to: number, onIndex: (index: number) => void): void {
    for (let i = this.unpainted(from); i < to; i = this.unpainted(i)) {
      onIndex(i);
      this.next[i] = i + 1;
    }
  }

  private unpainted(index: number): number {
    let root = index;
    while (this.next[root] !== root) root = this.next[root];
    for (let i = index; this.next[i] !== root;) {
      const following = this.next[i];
      this.next[i] = root;
      i = following;
    }
    return root;
  }
}

interface SourceLimits {
  covered: boolean;
  limitsA: number[];
  origins: (CapacityOrigin | undefined)[];
}

/** Per phase: the first layer in force on it (forecasts, then gap forecasts), else the gap default. */
function sourceLimits(source: ForecastSource, layers: Series[][], inForce: Float64Array[][], cell: number) {
  const origins = source.origins ?? DEFAULT_ORIGINS;
  const layerOrigins = [origins.forecast, origins.gapForecast];
  const limits: SourceLimits = {
    covered: false,
    limitsA: [...source.gapLimitsA],
    origins: source.gapLimitsA.map((amps) => (Number.isFinite(amps) ? origins.gap : undefined)),
  };
  for (let phase = 0; phase < 3; phase++) {
    const layer = layers.findIndex(
      (series, l) => !Number.isNaN(lowestOnPhase(series, inForce[l], phase, cell)),
    );
    if (layer < 0) continue;
    limits.covered = true;
    limits.limitsA[phase] = lowestOnPhase(layers[layer], inForce[layer], phase, cell);
    limits.origins[phase] = layerOrigins[layer];
  }
  return limits;
}

/** The lowest limit in force on the phase among the indicators naming it; NaN where none covers it. */
function lowestOnPhase(series: Series[], inForce: Float64Array[], phase: number, cell: number): number {
  let lowest = NaN;
  series.forEach((one, s) => {
    const amps = inForce[s][cell];
    if (one.phases[phase] && !Number.isNaN(amps) && !(amps >= lowest)) lowest = amps;
  });
  return lowest;
}

/** Per phase the lowest source; the origin is that of the lowest phase. */
function tightest(perSource: SourceLimits[]): { limitsA: PerPhase; origin?: CapacityOrigin } {
  const limitsA = [Infinity, Infinity, Infinity];
  const origins: (CapacityOrigin | undefined)[] = [undefined, undefined, undefined];
  for (const source of perSource) {
    for (let phase = 0; phase < 3; phase++) {
      if (source.limitsA[phase] < limitsA[phase]) {
        limitsA[phase] = source.limitsA[phase];
        origins[phase] = source.origins[phase];
      }
    }
  }
  const origin = origins[limitsA.indexOf(Math.min(...limitsA))];
  return { limitsA: limitsA as unknown as PerPhase, ...(origin !== undefined && { origin }) };
}

function sameLimits(a: PerPhase, b: PerPhase): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
}

function intervalOf(block: OscpBlock): Interval {
  const startMs = instantMs(block.start_time);
  const endMs = instantMs(block.end_time);
  if (startMs >= endMs) throw new Error(`OSCP block ${label(block)}: start_time must be before end_time`);
  return { startMs, endMs };
}

function instantMs(time: string): number {
  // Without a zone Date.parse would use the host's zone; OSCP times are UTC unless they say otherwise.
  const ms = Date.parse(HAS_TIME_OF_DAY.test(time) && !HAS_ZONE.test(time) ? `${time}Z` : time);
  if (Number.isNaN(ms)) throw new Error(`Invalid OSCP date-time "${time}"`);
  return ms;
}

function averageWatts(capacity: number, unit: Exclude<OscpBlock['unit'], 'A'>, interval: Interval): number {
  const hours = (interval.endMs - interval.startMs) / MS_PER_HOUR;
  switch (unit) {
    case 'W':
      return capacity;
    case 'KW':
      return capacity * WATTS_PER_KW;
    case 'WH':
      return capacity / hours;
    case 'KWH':
      return (capacity * WATTS_PER_KW) / hours;
  }
}

function onPhases(phase: OscpBlock['phase'], amps: number): PerPhase {
  switch (phase) {
    case 'ONE':
      return [amps, Infinity, Infinity];
    case 'TWO':
      return [Infinity, amps, Infinity];
    case 'THREE':
      return [Infinity, Infinity, amps];
    case 'ALL':
    case 'UNKNOWN':
      return [amps, amps, amps];
  }
}

function label(block: OscpBlock): string {
  return `${block.start_time}..${block.end_time} ${block.capacity} ${block.unit} ${block.phase}`;
}
