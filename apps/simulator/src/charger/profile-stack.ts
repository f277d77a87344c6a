/**
 * The charging profiles a simulated charger has installed, and the current they let it offer: the lower of
 * the station maximum, the external constraints (2.0.1, set by the station's own EMS, never by the CSMS) and
 * the connector's TxProfile (or, without one, its TxDefaultProfile, else the station-wide default), each
 * purpose decided by its valid profile with the highest stack level (1.6 §3.13, 2.0.1 K08). Simplification:
 * the station maximum and a station-wide external constraint cap each connector on its own.
 */

type Purpose = 'StationMax' | 'ExternalConstraints' | 'TxDefaultProfile' | 'TxProfile';

export interface ChargingSchedule {
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
}

interface InstalledProfile {
  connectorId: number;
  id: number;
  purpose: Purpose;
  stackLevel: number;
  schedule: ChargingSchedule;
}

/** A 1.6 or 2.0.1 SetChargingProfile request, as received. */
export type SetChargingProfilePayload =
  | {
      connectorId: number;
      csChargingProfiles: {
        chargingProfileId: number;
        stackLevel: number;
        chargingProfilePurpose: string;
        chargingSchedule: ChargingSchedule;
      };
    }
  | {
      evseId: number;
      chargingProfile: {
        id: number;
        stackLevel: number;
        chargingProfilePurpose: string;
        chargingSchedule: ChargingSchedule[];
      };
    };

/** The nominal voltage the simulated chargers convert W limits with. */
export const SIMULATED_VOLTAGE_V = 230;

export class ProfileStack {
  private profiles: InstalledProfile[] = [];

  /** Installs an accepted profile; one with the same id, or purpose and stack level on that connector, is replaced. */
  install(payload: SetChargingProfilePayload): void {
    const profile = normalize(payload);
    this.profiles = this.profiles.filter(
      (p) =>
        p.id !== profile.id &&
        !(
          p.connectorId === profile.connectorId &&
          p.purpose === profile.purpose &&
          p.stackLevel === profile.stackLevel
        ),
    );
    this.profiles.push(profile);
  }

  /**
   * An external limit of the station's own (what it reports in NotifyChargingLimit), on one connector or the
   * whole station (0), one per source; null removes it (ClearedChargingLimit).
   */
  setExternalLimit(connectorId: number, source: string, schedule: ChargingSchedule | null): void {
    const id = externalProfileId(connectorId, source);
    this.profiles = this.profiles.filter((p) => p.id !== id);
    if (schedule) {
      this.profiles.push({ connectorId, id, purpose: 'ExternalConstraints', stackLevel: 0, schedule });
    }
  }

  /** A transaction ended: its TxProfiles go (1.6 §3.13.1). */
  clearTxProfiles(connectorId: number): void {
    this.profiles = this.profiles.filter(
      (p) => !(p.connectorId === connectorId && p.purpose === 'TxProfile'),
    );
  }

  /** A reboot of a charger that does not persist its profiles: every profile the CSMS set goes. */
  clearSetProfiles(): void {
    this.profiles = this.profiles.filter((p) => p.purpose === 'ExternalConstraints');
  }

  /** Per phase, in A; null when no profile limits the connector at that instant. */
  offeredCurrentA(connectorId: number, at: Date): number | null {
    const session =
      this.prevailing(connectorId, 'TxProfile', at) ??
      this.prevailing(connectorId, 'TxDefaultProfile', at) ??
      this.prevailing(0, 'TxDefaultProfile', at);
    const limits = [
      session,
      this.prevailing(0, 'StationMax', at),
      ...this.external(connectorId, at),
      ...this.external(0, at),
    ].filter((limit) => limit !== undefined);
    return limits.length === 0 ? null : Math.min(...limits);
  }

  /**
   * What GetCompositeSchedule answers: the offered current from `from` for `durationS` seconds, one period
   * per change (an unlimited connector offers `unlimitedA`), equal neighbours merged.
   */
  compositeSchedule(
    connectorId: number,
    from: Date,
    durationS: number,
    unlimitedA: number,
  ): { startPeriod: number; limit: number }[] {
    const offsets = new Set([0]);
    for (const profile of this.profiles.filter((p) => p.connectorId === connectorId || p.connectorId === 0)) {
      for (const offset of changeOffsets(profile.schedule, from)) {
        if (offset > 0 && offset < durationS) offsets.add(offset);
      }
    }
    const periods: { startPeriod: number; limit: number }[] = [];
    for (const offset of [...offsets].sort((a, b) => a - b)) {
      const limit = this.offeredCurrentA(connectorId, new Date(from.getTime() + offset * 1000)) ?? unlimitedA;
      if (periods.at(-1)?.limit !== limit) periods.push({ startPeriod: offset, limit });
    }
    return periods;
  }

  /** Every external limit in force: each source's applies, whatever the others say. */
  private external(connectorId: number, at: Date): (number | undefined)[] {
    return this.profiles
      .filter((p) => p.connectorId === connectorId && p.purpose === 'ExternalConstraints')
      .map((p) => limitAt(p.schedule, at));
  }

  private prevailing(connectorId: number, purpose: Purpose, at: Date): number | undefined {
    const active = this.profiles
      .filter((p) => p.connectorId === connectorId && p.purpose === purpose)
      .map((p) => ({ stackLevel: p.stackLevel, limit: limitAt(p.schedule, at) }))
      .filter((p): p is { stackLevel: number; limit: number } => p.limit !== undefined)
      .sort((a, b) => b.stackLevel - a.stackLevel);
    return active[0]?.limit;
  }
}

function normalize(payload: SetChargingProfilePayload): InstalledProfile {
  if ('evseId' in payload) {
    const profile = payload.chargingProfile;
    return {
      connectorId: payload.evseId,
      id: profile.id,
      purpose: purposeOf(profile.chargingProfilePurpose),
      stackLevel: profile.stackLevel,
      schedule: profile.chargingSchedule[0],
    };
  }
  const profile = payload.csChargingProfiles;
  return {
    connectorId: payload.connectorId,
    id: profile.chargingProfileId,
    purpose: purposeOf(profile.chargingProfilePurpose),
    stackLevel: profile.stackLevel,
    schedule: profile.chargingSchedule,
  };
}

/** Negative, so never one of the CSMS's profile ids. */
function externalProfileId(connectorId: number, source: string): number {
  return -(connectorId * 10 + ['EMS', 'Other', 'SO', 'CSO'].indexOf(source) + 2);
}

function purposeOf(purpose: string): Purpose {
  if (purpose === 'ChargePointMaxProfile' || purpose === 'ChargingStationMaxProfile') return 'StationMax';
  if (purpose === 'TxDefaultProfile' || purpose === 'TxProfile') return purpose;
  throw new Error(`The simulator does not apply ${purpose} profiles`);
}

/** The schedule's limit at `at` in A per phase; undefined before its start or after its duration. */
function limitAt(schedule: ChargingSchedule, at: Date): number | undefined {
  const start = schedule.startSchedule === undefined ? at.getTime() : Date.parse(schedule.startSchedule);
  const offsetS = (at.getTime() - start) / 1000;
  if (offsetS < 0 || (schedule.duration !== undefined && offsetS >= schedule.duration)) return undefined;
  const period = schedule.chargingSchedulePeriod.filter((p) => p.startPeriod <= offsetS).at(-1);
  if (!period) return undefined;
  if (schedule.chargingRateUnit === 'A') return period.limit;
  return period.limit / (SIMULATED_VOLTAGE_V * (period.numberPhases ?? 3));
}

/** Seconds after `from` at which the schedule's limit may change: period starts and its end. */
function changeOffsets(schedule: ChargingSchedule, from: Date): number[] {
  const start = schedule.startSchedule === undefined ? from.getTime() : Date.parse(schedule.startSchedule);
  const toOffset = (seconds: number) => Math.ceil((start + seconds * 1000 - from.getTime()) / 1000);
  const offsets = schedule.chargingSchedulePeriod.map((period) => toOffset(period.startPeriod));
  if (schedule.duration !== undefined) offsets.push(toOffset(schedule.duration));
  return offsets;
}
