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

/** An elementary interval [start, end) (UTC ISO instants) with the tightest limit per phase. */
export interface CapacityBlock {
  start: string;
  end: string;
  limitsA: PerPhase;
}

/** How a peer's `phase: ALL` blocks are read (a per-peer OSCP option). */
export type PhaseAllReading = 'PER_PHASE' | 'TOTAL';

export interface BlockConversion {
  nominalVoltageV: number;
  phaseAll?: PhaseAllReading;
}

/** The forecasts of one peer for a group, and what applies where none of them covers the time. */
export interface ForecastSource {
  forecasts: StoredForecast[];
  conversion: number | BlockConversion;
  gapLimitsA: PerPhase;
}

export interface GroupCapacity {
  timeline: CapacityBlock[];
  /** The limit where no block of any source covers the time, including after the last block. */
  gapLimitsA: PerPhase;
}

const UNLIMITED: PerPhase = [Infinity, Infinity, Infinity];

interface Interval {
  startMs: number;
  endMs: number;
}

const MS_PER_HOUR = 3_600_000;
const WATTS_PER_KW = 1000;
const HAS_TIME_OF_DAY = /\d{2}:\d{2}/;
const HAS_ZONE = /(?:z|[+-]\d{2}:?\d{2})$/i;

/**
 * The blocks still in force after applying the messages in order of receipt. Per phase indicator (the
 * store is keyed by phase, oscp.md §3.4), a message replaces every kept block that overlaps the span
 * [min(start_time), max(end_time)) of its own blocks for that phase, including blocks that fall in gaps
 * inside the span; kept blocks outside it, or of other phases, stay.
 */
export function mergeForecasts(forecasts: StoredForecast[]): OscpBlock[] {
  const byReceipt = [...forecasts].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  return byReceipt.reduce<OscpBlock[]>((kept, forecast) => applyMessage(kept, forecast.blocks), []);
}

/**
 * The block's capacity as amperes per phase (L1, L2, L3); phases it does not name stay Infinity.
 * Currents apply to each named phase; powers named ALL are totals over the three phases; UNKNOWN is
 * read the tightest way; energies are a budget for the block, spent at an even rate.
 */
export function toPhaseAmps(block: OscpBlock, conversion: number | BlockConversion): PerPhase {
  const { nominalVoltageV, phaseAll } =
    typeof conversion === 'number' ? { nominalVoltageV: conversion } : conversion;
  if (!Number.isFinite(nominalVoltageV) || nominalVoltageV <= 0) {
    throw new Error(`Nominal voltage must be a positive number of volts, got ${nominalVoltageV}`);
  }
  if (!Number.isFinite(block.capacity) || block.capacity < 0) {
    throw new Error(`OSCP block ${label(block)}: capacity must be a finite number >= 0`);
  }
  const amps =
    block.unit === 'A'
      ? block.capacity
      : averageWatts(block.capacity, block.unit, intervalOf(block)) / nominalVoltageV;
  return onPhases(block.phase, readsAsTotal(block, phaseAll) ? amps / 3 : amps);
}

/**
 * A total over three phases allows a third on each. `ALL` follows the peer's option, by default per
 * phase for currents and a total for powers; `UNKNOWN` always takes the tighter reading, the total.
 */
function readsAsTotal(block: OscpBlock, phaseAll: PhaseAllReading | undefined): boolean {
  if (block.phase === 'UNKNOWN') return true;
  if (block.phase !== 'ALL') return false;
  return phaseAll === undefined ? block.unit !== 'A' : phaseAll === 'TOTAL';
}

/**
 * Per-phase ampere limits for the intervals between consecutive block boundaries that are covered by at
 * least one block and have not ended by `now`, sorted by start. Where blocks overlap (several phases, or
 * overlapping blocks of one message) each phase takes the minimum. Uncovered gaps are left out.
 */
export function capacityTimeline(
  forecasts: StoredForecast[],
  conversion: number | BlockConversion,
  now: Date,
): CapacityBlock[] {
  return groupCapacity([{ forecasts, conversion, gapLimitsA: UNLIMITED }], now).timeline;
}

/**
 * The group's capacity from all peers that forecast it, each with its own conversion and its own limit
 * where none of its blocks covers the time (unlimited while online; the safe default while offline).
 * Per phase, the tightest source wins. `gapLimitsA` applies where no source has any block.
 */
export function groupCapacity(sources: ForecastSource[], now: Date): GroupCapacity {
  const limited = sources.map((source) =>
    mergeForecasts(source.forecasts).map((block) => ({
      ...intervalOf(block),
      limitsA: toPhaseAmps(block, source.conversion),
    })),
  );
  const gapLimitsA = phaseMinimum([UNLIMITED, ...sources.map((source) => source.gapLimitsA)]);
  const boundaries = [...new Set(limited.flat().flatMap((b) => [b.startMs, b.endMs]))].sort((a, b) => a - b);
  const timeline: CapacityBlock[] = [];
  for (let i = 0; i + 1 < boundaries.length; i++) {
    const [startMs, endMs] = [boundaries[i], boundaries[i + 1]];
    if (endMs <= now.getTime()) continue;
    const perSource = limited.map((blocks) => blocks.filter((b) => b.startMs <= startMs && b.endMs >= endMs));
    if (perSource.every((covering) => covering.length === 0)) continue;
    timeline.push({
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      limitsA: phaseMinimum(
        perSource.map((covering, s) =>
          withGapDefault(phaseMinimum(covering.map((b) => b.limitsA)), sources[s].gapLimitsA),
        ),
      ),
    });
  }
  return { timeline, gapLimitsA };
}

function applyMessage(kept: OscpBlock[], incoming: OscpBlock[]): OscpBlock[] {
  const spans = new Map<OscpBlock['phase'], Interval>();
  for (const block of incoming) {
    const { startMs, endMs } = intervalOf(block);
    const span = spans.get(block.phase);
    spans.set(block.phase, {
      startMs: Math.min(startMs, span?.startMs ?? Infinity),
      endMs: Math.max(endMs, span?.endMs ?? -Infinity),
    });
  }
  const survivors = kept.filter((block) => {
    const span = spans.get(block.phase);
    return span === undefined || !overlaps(intervalOf(block), span);
  });
  return [...survivors, ...incoming];
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.startMs < b.endMs && b.startMs < a.endMs;
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

/** A phase that none of a source's blocks names is a gap of that source too. */
function withGapDefault(limits: PerPhase, gap: PerPhase): PerPhase {
  return [0, 1, 2].map((p) => (limits[p] === Infinity ? gap[p] : limits[p])) as unknown as PerPhase;
}

function phaseMinimum(limits: readonly PerPhase[]): PerPhase {
  const lowest = (p: 0 | 1 | 2): number => Math.min(...limits.map((l) => l[p]));
  return [lowest(0), lowest(1), lowest(2)];
}

function label(block: OscpBlock): string {
  return `${block.start_time}..${block.end_time} ${block.capacity} ${block.unit} ${block.phase}`;
}
