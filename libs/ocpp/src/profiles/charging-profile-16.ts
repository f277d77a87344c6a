import type { ChargingSchedulePeriod16, SetChargingProfileRequest16 } from '../ocpp16/messages';

/** One block of a connector plan: from `start` (inclusive) to `end` (exclusive, null = open) at `limitA`. */
export interface ProfilePeriod {
  start: string;
  end: string | null;
  limitA: number;
}

export interface ChargingProfile16Input {
  connectorId: number;
  phases: 1 | 3;
  /** The running transaction on the connector, or null when none runs. */
  transactionId: number | null;
  /** Contiguous and sorted. */
  periods: readonly ProfilePeriod[];
  now: Date;
}

/**
 * One id per connector and purpose: a charger replaces a profile with the same id, so every update
 * overwrites the previous one instead of stacking on it.
 */
export const TX_DEFAULT_PROFILE_ID_BASE = 1000;
export const TX_PROFILE_ID_BASE = 2000;

/**
 * A replacing profile whose schedule starts in the future leaves the connector on default behaviour until
 * then (1.6 §3.13.2); starting it a little in the past makes it apply on receipt despite clock skew.
 */
const START_LEAD_MS = 5_000;

/**
 * The 1.6 `SetChargingProfile.req` for a connector plan: a TxProfile for the running transaction, else the
 * connector's TxDefaultProfile; per-phase amperes rounded down to the 0.1 A the schema allows.
 */
export function buildSetChargingProfile16(input: ChargingProfile16Input): SetChargingProfileRequest16 {
  const txProfile = input.transactionId !== null;
  if (txProfile && input.connectorId < 1) throw new Error('A TxProfile needs a connector id of 1 or more');
  const periods = currentPeriods(input.periods, input.now);
  const startMs = wholeSeconds(Math.min(parseTime(periods[0].start), input.now.getTime() - START_LEAD_MS));
  const last = periods[periods.length - 1];

  const profile: SetChargingProfileRequest16['csChargingProfiles'] = {
    chargingProfileId: (txProfile ? TX_PROFILE_ID_BASE : TX_DEFAULT_PROFILE_ID_BASE) + input.connectorId,
    stackLevel: 0,
    chargingProfilePurpose: txProfile ? 'TxProfile' : 'TxDefaultProfile',
    chargingProfileKind: 'Absolute',
    chargingSchedule: {
      startSchedule: new Date(startMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      chargingRateUnit: 'A',
      chargingSchedulePeriod: schedulePeriods(periods, startMs, input.phases),
    },
  };
  if (input.transactionId !== null) profile.transactionId = input.transactionId;
  if (last.end !== null) profile.chargingSchedule.duration = secondsSince(startMs, last.end);
  return { connectorId: input.connectorId, csChargingProfiles: profile };
}

/** Rounds down to 0.1, with a margin so that values like 16.0 or 6.1 stored as 6.0999… keep their tenth. */
function floorToTenth(value: number): number {
  return Math.floor(value * 10 + 1e-9) / 10;
}

/** The periods that have not ended before `now`. */
function currentPeriods(periods: readonly ProfilePeriod[], now: Date): ProfilePeriod[] {
  if (periods.length === 0) throw new Error('A charging profile needs at least one period');
  const current = periods.filter((period) => period.end === null || parseTime(period.end) > now.getTime());
  if (current.length === 0) throw new Error('Every period of the charging profile has already ended');
  return current;
}

/** Periods as offsets from the schedule start; the first applies from the start, equal neighbours merged. */
function schedulePeriods(
  periods: ProfilePeriod[],
  startMs: number,
  phases: 1 | 3,
): ChargingSchedulePeriod16[] {
  const result: ChargingSchedulePeriod16[] = [];
  for (const period of periods) {
    const limit = validLimit(period.limitA);
    if (result.at(-1)?.limit === limit) continue;
    const startPeriod = result.length === 0 ? 0 : secondsSince(startMs, period.start);
    result.push({ startPeriod, limit, numberPhases: phases });
  }
  return result;
}

function validLimit(limitA: number): number {
  if (!Number.isFinite(limitA) || limitA < 0) throw new Error(`Invalid current limit ${limitA} A`);
  return floorToTenth(limitA);
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
