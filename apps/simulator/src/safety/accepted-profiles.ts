/**
 * The charging profiles one charger has accepted, as the checker models them from the wire payloads alone:
 * per connector, the TxProfile (installed for the running transaction) over the connector's TxDefaultProfile over
 * the station-wide TxDefaultProfile, each purpose decided by its valid profile of highest stack level
 * (OCPP 1.6 §3.13, 2.0.1 K08); and the station maximum (ChargePointMaxProfile / ChargingStationMaxProfile).
 */

type Purpose = 'StationMax' | 'TxDefaultProfile' | 'TxProfile';

interface Period {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

interface WireSchedule {
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: Period[];
}

/** A 1.6 or 2.0.1 SetChargingProfile request, as the charger received it. */
export type WireChargingProfile =
  | {
      connectorId: number;
      csChargingProfiles: {
        chargingProfileId: number;
        stackLevel: number;
        chargingProfilePurpose: string;
        chargingSchedule: WireSchedule;
      };
    }
  | {
      evseId: number;
      chargingProfile: {
        id: number;
        stackLevel: number;
        chargingProfilePurpose: string;
        chargingSchedule: WireSchedule[];
      };
    };

interface AcceptedProfile {
  connectorId: number;
  id: number;
  purpose: Purpose;
  stackLevel: number;
  /** Absolute start in ms: `startSchedule`, else the instant it was accepted. */
  startMs: number;
  endMs: number;
  unit: 'A' | 'W';
  periods: Period[];
}

export class AcceptedProfiles {
  private profiles: AcceptedProfile[] = [];

  /** An accepted profile replaces one with the same id, or the same connector, purpose and stack level. */
  accept(payload: WireChargingProfile, atMs: number): { connectorId: number } {
    const profile = normalize(payload, atMs);
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
    return { connectorId: profile.connectorId };
  }

  /** A transaction ended: its TxProfiles go (1.6 §3.13.1, K01.FR.05). */
  transactionEnded(connectorId: number): void {
    this.profiles = this.profiles.filter(
      (p) => !(p.connectorId === connectorId && p.purpose === 'TxProfile'),
    );
  }

  /** The connector's limit in A per phase at `atMs`; undefined when no profile limits it. */
  connectorLimitA(connectorId: number, atMs: number, voltageV: number): number | undefined {
    return (
      this.prevailing(connectorId, 'TxProfile', atMs, voltageV) ??
      this.prevailing(connectorId, 'TxDefaultProfile', atMs, voltageV) ??
      this.prevailing(0, 'TxDefaultProfile', atMs, voltageV)
    );
  }

  /** The station maximum in A per phase at `atMs`; undefined when none applies. */
  stationMaxA(atMs: number, voltageV: number): number | undefined {
    return this.prevailing(0, 'StationMax', atMs, voltageV);
  }

  /** The first instant after `atMs` at which any accepted profile's limit may change; Infinity if none. */
  nextChangeAfter(atMs: number): number {
    let next = Infinity;
    for (const p of this.profiles) {
      for (const instant of [...p.periods.map((period) => p.startMs + period.startPeriod * 1000), p.endMs]) {
        if (instant > atMs && instant < next) next = instant;
      }
    }
    return next;
  }

  private prevailing(
    connectorId: number,
    purpose: Purpose,
    atMs: number,
    voltageV: number,
  ): number | undefined {
    let best: { stackLevel: number; limit: number } | undefined;
    for (const p of this.profiles) {
      if (p.connectorId !== connectorId || p.purpose !== purpose) continue;
      const limit = limitAt(p, atMs, voltageV);
      if (limit !== undefined && (best === undefined || p.stackLevel > best.stackLevel)) {
        best = { stackLevel: p.stackLevel, limit };
      }
    }
    return best?.limit;
  }
}

function normalize(payload: WireChargingProfile, atMs: number): AcceptedProfile {
  const { connectorId, id, stackLevel, purpose, schedule } =
    'evseId' in payload
      ? {
          connectorId: payload.evseId,
          id: payload.chargingProfile.id,
          stackLevel: payload.chargingProfile.stackLevel,
          purpose: payload.chargingProfile.chargingProfilePurpose,
          schedule: payload.chargingProfile.chargingSchedule[0],
        }
      : {
          connectorId: payload.connectorId,
          id: payload.csChargingProfiles.chargingProfileId,
          stackLevel: payload.csChargingProfiles.stackLevel,
          purpose: payload.csChargingProfiles.chargingProfilePurpose,
          schedule: payload.csChargingProfiles.chargingSchedule,
        };
  const startMs = schedule.startSchedule === undefined ? atMs : Date.parse(schedule.startSchedule);
  return {
    connectorId,
    id,
    purpose: purposeOf(purpose),
    stackLevel,
    startMs,
    endMs: schedule.duration === undefined ? Infinity : startMs + schedule.duration * 1000,
    unit: schedule.chargingRateUnit,
    periods: [...schedule.chargingSchedulePeriod].sort((a, b) => a.startPeriod - b.startPeriod),
  };
}

function purposeOf(purpose: string): Purpose {
  if (purpose === 'ChargePointMaxProfile' || purpose === 'ChargingStationMaxProfile') return 'StationMax';
  if (purpose === 'TxDefaultProfile' || purpose === 'TxProfile') return purpose;
  throw new Error(`The grid-safety checker does not model ${purpose} profiles`);
}

/**
 * A W limit becomes A per phase as a charger converts it: over `numberPhases` (3 when absent, OCPP's
 * default), so a one-phase EV under a W limit meant for three is counted at the third a charger offers.
 */
function limitAt(profile: AcceptedProfile, atMs: number, voltageV: number): number | undefined {
  if (atMs < profile.startMs || atMs >= profile.endMs) return undefined;
  const offsetS = (atMs - profile.startMs) / 1000;
  const period = profile.periods.filter((p) => p.startPeriod <= offsetS).at(-1);
  if (!period) return undefined;
  if (profile.unit === 'A') return period.limit;
  return period.limit / (voltageV * (period.numberPhases ?? 3));
}
