/**
 * The ACN-Data sessions of `bench:acn`: read from the JSON export, put on the benchmark's 5-minute
 * grid and on the EVSEs of the Caltech-like topology (`acn-topology.ts`).
 */
import { readFileSync } from 'fs';
import { median } from './bench-support';
import { assignEvses, MAX_CURRENT_A, VOLTS, type Evse } from './acn-topology';

export const PERIOD_MS = 5 * 60 * 1000;
const SITE_TIME_ZONE = 'America/Los_Angeles';

/** One session of the export, as far as the benchmark reads it. */
interface RawSession {
  sessionID: string;
  stationID: string;
  connectionTime: string;
  disconnectTime: string;
  kWhDelivered: number;
  userInputs?: { kWhRequested: number; modifiedAt: string }[] | null;
}

/**
 * Where a session's energy demand comes from: `declared`, the driver's last declared kWhRequested
 * (energy delivered that day when the driver declared nothing); `delivered`, the energy the EV took
 * that day (the convention of the ACN papers, whose EVs then always could take it).
 */
export type DemandSource = 'declared' | 'delivered';

export interface AcnSession {
  id: string;
  /** The site's local date of arrival, YYYY-MM-DD. */
  day: string;
  /** Period indices since the epoch (5-minute periods): present in [arrival, departure). */
  arrival: number;
  departure: number;
  demandWh: number;
  evse: Evse;
}

export interface LoadedSessions {
  sessions: AcnSession[];
  /** Stations left out: DC fast chargers, which no 32 A EVSE of the topology can stand for. */
  excludedStations: { stationId: string; sessions: number }[];
}

export function loadSessions(path: string, demand: DemandSource): LoadedSessions {
  const all = JSON.parse(readFileSync(path, 'utf8')) as RawSession[];
  const fast = fastStations(all);
  const raw = all.filter((s) => !fast.has(s.stationID));
  const evses = assignEvses(raw.map((s) => s.stationID));
  const excludedStations = [...fast].map((stationId) => ({
    stationId,
    sessions: all.filter((s) => s.stationID === stationId).length,
  }));
  return { sessions: toSessions(raw, evses, demand), excludedStations };
}

/**
 * Stations whose median session averaged more than twice the power a 32 A EVSE at 208 V can give: the
 * export's DC fast charger (`2-39-81-4550`, a median of ≈ 33 kW), not one of the ACN's EVSEs. (Level-2
 * sessions read up to ≈ 7.2 kW: the real voltage is above 208 V at times.)
 */
function fastStations(raw: readonly RawSession[]): Set<string> {
  const averagesKw = new Map<string, number[]>();
  for (const s of raw) {
    const hours = (Date.parse(s.disconnectTime) - Date.parse(s.connectionTime)) / 3_600_000;
    if (hours <= 0) continue;
    const list = averagesKw.get(s.stationID) ?? [];
    list.push(s.kWhDelivered / hours);
    averagesKw.set(s.stationID, list);
  }
  const thresholdKw = (2 * MAX_CURRENT_A * VOLTS) / 1000;
  return new Set([...averagesKw].filter(([, kw]) => median(kw) > thresholdKw).map(([id]) => id));
}

function toSessions(
  raw: readonly RawSession[],
  evses: Map<string, Evse>,
  demand: DemandSource,
): AcnSession[] {
  return raw.flatMap((s) => {
    const arrivalMs = Date.parse(s.connectionTime);
    // Floor both ends onto the grid, as ACN-Sim does: a stay shorter than a period has no period.
    const arrival = Math.floor(arrivalMs / PERIOD_MS);
    const departure = Math.floor(Date.parse(s.disconnectTime) / PERIOD_MS);
    const demandWh = demandOf(s, demand) * 1000;
    if (departure <= arrival || !(demandWh > 0)) return [];
    return [
      {
        id: s.sessionID,
        day: localDate(arrivalMs),
        arrival,
        departure,
        demandWh,
        evse: evses.get(s.stationID)!,
      },
    ];
  });
}

function demandOf(s: RawSession, demand: DemandSource): number {
  const inputs = s.userInputs ?? [];
  if (demand === 'delivered' || inputs.length === 0) return s.kWhDelivered;
  const latest = [...inputs].sort((a, b) => Date.parse(a.modifiedAt) - Date.parse(b.modifiedAt)).at(-1);
  return latest?.kWhRequested ?? s.kWhDelivered;
}

const localDateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: SITE_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

function localDate(ms: number): string {
  return localDateFormat.format(new Date(ms));
}

/**
 * `2021-09-08,2021-09-10` or `2021-09-06..2021-09-12` (inclusive), or `all`: the local dates whose
 * arrivals are replayed, each day on its own.
 */
export function parseDays(spec: string, sessions: readonly AcnSession[]): string[] {
  const available = [...new Set(sessions.map((s) => s.day))].sort();
  if (spec.trim() === 'all') return available;
  const days = spec.split(',').flatMap((part) => {
    const [from, to] = part.trim().split('..');
    return to === undefined ? [from] : available.filter((d) => d >= from && d <= to);
  });
  for (const day of days) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`ACN_DAYS: "${day}" is not a YYYY-MM-DD date`);
    if (!available.includes(day)) throw new Error(`ACN_DAYS: no session arrives on ${day}`);
  }
  return [...new Set(days)].sort();
}
