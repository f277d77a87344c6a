import type { SetChargingProfileRequest16 } from '../ocpp16/messages';
import type { SetChargingProfileRequest201 } from '../ocpp201/messages';
import { AbsoluteSchedule, buildAbsoluteSchedule, ProfilePeriod } from './profile-schedule';

/**
 * One stable id for the station-wide maximum: a charger replaces a profile with the same id, so the one sent
 * on each connect replaces the previous one instead of stacking on it. Below the connector ids' bases.
 */
export const STATION_MAX_PROFILE_ID = 1;

export interface SafeShareInput {
  /**
   * The charger's part of its site's (fallback) capacity and of its circuits, as the site's latest plan shared
   * it out (see the `chargers.fail_safe_share_a` column); null before the site was first planned.
   */
  failSafeShareA?: number | null;
  /** The site's grid connection limit per phase (L1, L2, L3), in A. */
  siteLimitsA: readonly number[];
  /** What the site may draw per phase on its DSO's fallback capacity, when a DSO limits it. */
  siteFallbackA?: readonly number[] | null;
  /** The site's configured base load per phase (L1, L2, L3), in A: drawn whatever the chargers do. */
  baseLoadA: readonly number[];
  /** How many chargers the site has, this one included. */
  chargersAtSite: number;
  /** The maximum current per phase of each of the charger's connectors. */
  connectorMaxA: readonly number[];
  /** The charger's own maximum per phase over all its connectors, when registered. */
  chargerMaxA: number | null;
}

/**
 * What a charger may draw per phase when it has lost us: its part of the site's capacity as the site's plan
 * shared it out (circuits, unsteered chargers and the DSO's fallback included), never above what the charger
 * can draw anyway (its own maximum, or its connectors' together). Even when every charger of the site holds
 * this, every limit of the site holds. Before the site's first plan: what the site's tightest phase leaves
 * beside its base load, split evenly over all its chargers.
 */
export function chargerSafeShareA(input: SafeShareInput): number {
  const perCharger = input.failSafeShareA ?? evenSiteSplitA(input);
  const connectorsTogether = input.connectorMaxA.reduce((sum, max) => sum + max, 0);
  return Math.min(perCharger, connectorsTogether, input.chargerMaxA ?? Infinity);
}

function evenSiteSplitA(input: SafeShareInput): number {
  if (input.chargersAtSite < 1) throw new Error('A site with this charger has at least one charger');
  const headroom = input.siteLimitsA.map(
    (limit, phase) =>
      Math.min(limit, input.siteFallbackA?.[phase] ?? Infinity) - (input.baseLoadA[phase] ?? 0),
  );
  return Math.max(0, Math.min(...headroom)) / input.chargersAtSite;
}

/**
 * A connector's part of its charger's safe share: split evenly over the charger's connectors, so that all
 * of them together stay within it, and never above the connector's own maximum.
 */
export function connectorSafeShareA(
  chargerShareA: number,
  connectorCount: number,
  connectorMaxA: number,
): number {
  if (connectorCount < 1) throw new Error('A charger with this connector has at least one connector');
  return Math.min(chargerShareA / connectorCount, connectorMaxA);
}

export interface StationMaxProfileInput {
  /** The charger's safe share, A per phase. */
  limitA: number;
  /**
   * The ceiling over time (see `stationCeiling`), ending open-ended; the safe share alone when absent. Cut to
   * `maxPeriods` like every schedule, which only lowers it.
   */
  ceiling?: readonly ProfilePeriod[];
  phases: 1 | 3;
  now: Date;
  /** `W` only for chargers that accept no `A` (and DC chargers); needs `nominalVoltageV`. */
  rateUnit?: 'A' | 'W';
  nominalVoltageV?: number;
  /** DC: the schedule's periods carry no `numberPhases`. */
  dc?: boolean;
  maxPeriods?: number;
}

/** 1.6 `ChargePointMaxProfile` on connector 0 (the only place it may go, §3.13.1): one open-ended period. */
export function buildStationMaxProfile16(input: StationMaxProfileInput): SetChargingProfileRequest16 {
  return {
    connectorId: 0,
    csChargingProfiles: {
      chargingProfileId: STATION_MAX_PROFILE_ID,
      stackLevel: 0,
      chargingProfilePurpose: 'ChargePointMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: openEndedSchedule(input),
    },
  };
}

/** 2.0.1 `ChargingStationMaxProfile` on EVSE 0, Absolute (K01.FR.38, FR.40), one schedule (FR.34). */
export function buildStationMaxProfile201(input: StationMaxProfileInput): SetChargingProfileRequest201 {
  return {
    evseId: 0,
    chargingProfile: {
      id: STATION_MAX_PROFILE_ID,
      stackLevel: 0,
      chargingProfilePurpose: 'ChargingStationMaxProfile',
      chargingProfileKind: 'Absolute',
      chargingSchedule: [{ id: STATION_MAX_PROFILE_ID, ...openEndedSchedule(input) }],
    },
  };
}

/**
 * Starts slightly in the past like every schedule we send, and never ends. A share below the 6 A an EV can
 * be signalled becomes 0, like every limit we send.
 */
function openEndedSchedule(input: StationMaxProfileInput): AbsoluteSchedule {
  const ceiling = input.ceiling ?? [{ start: input.now.toISOString(), end: null, limitA: input.limitA }];
  if (ceiling.length === 0 || ceiling[ceiling.length - 1].end !== null) {
    throw new Error('A station maximum never ends: its last period is open-ended');
  }
  return buildAbsoluteSchedule(ceiling, input.now, input);
}
