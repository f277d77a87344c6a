import { readFileSync } from 'node:fs';

/** One EV visit as ACN-Data records it (instants in UTC). */
export interface RecordedSession {
  sessionID: string;
  connectionTime: string;
  disconnectTime: string;
  doneChargingTime: string | null;
  kWhDelivered: number;
}

interface SessionsFile {
  timezone: string;
  sessions: RecordedSession[];
}

/** A recorded session on the demo's clock: real milliseconds since the demo started. */
export interface ReplayedSession {
  id: string;
  arriveAtMs: number;
  leaveAtMs: number;
  /** The energy the EV took in reality; it stops drawing once it has it. */
  energyWh: number;
}

export function loadSessions(file: string): SessionsFile {
  return JSON.parse(readFileSync(file, 'utf8')) as SessionsFile;
}

/**
 * The sessions from `startHour` (local time of the first session's day) on, time-accelerated by `speed`:
 * a session connecting `speed` minutes after the start arrives one real minute into the demo.
 */
export function replaySchedule(file: SessionsFile, startHour: number, speed: number): ReplayedSession[] {
  const sorted = [...file.sessions].sort(
    (a, b) => Date.parse(a.connectionTime) - Date.parse(b.connectionTime),
  );
  if (sorted.length === 0) return [];
  const startMs = localHourOf(sorted[0].connectionTime, file.timezone, startHour);
  const real = (instant: string) => (Date.parse(instant) - startMs) / speed;
  return sorted
    .filter((s) => Date.parse(s.connectionTime) >= startMs)
    .map((s) => ({
      id: s.sessionID,
      arriveAtMs: real(s.connectionTime),
      leaveAtMs: real(s.disconnectTime),
      energyWh: s.kWhDelivered * 1000,
    }));
}

/** The instant at `hour`:00 local time on the day of `instant` in `timeZone`. */
export function localHourOf(instant: string, timeZone: string, hour: number): number {
  const at = new Date(instant);
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const wallAsUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  const offsetMs = wallAsUtc - Math.floor(at.getTime() / 1000) * 1000;
  return Date.UTC(get('year'), get('month') - 1, get('day'), hour) - offsetMs;
}

/** The simulated local time of day for the demo clock, e.g. `07:32`. */
export function simulatedClock(startHour: number, speed: number, elapsedMs: number): string {
  const minutes = Math.floor((startHour * 60 + (elapsedMs * speed) / 60_000) % (24 * 60));
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
