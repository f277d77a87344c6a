import type { ChargerSession } from './charger-session';

/**
 * The seam through which both OCPP versions hand over what an EV told about its needs. What becomes of them is
 * decided by planning, which provides `EV_CHARGING_NEEDS_SINK`; without it no schedule answers them.
 */
export const EV_CHARGING_NEEDS_SINK = Symbol('EV_CHARGING_NEEDS_SINK');

/**
 * K15–K17: `Accepted` when a schedule for the EV follows, `Processing` when one will follow later (we cannot
 * steer the EVSE right now), `Rejected` when none will (no session on the EVSE, or it is not smart charged).
 */
export type EvChargingNeedsStatus = 'Accepted' | 'Processing' | 'Rejected';

/** What an EV told about the session on one of a charger's connectors (EVSE in 2.0.1); null when not told. */
export interface EvChargingNeeds {
  chargerId: string;
  identity: string;
  siteId: string;
  connectorId: number;
  departureAt: Date | null;
  /** For the whole session, as ISO 15118 states it. */
  energyWantedWh: number | null;
  /** A per phase (AC only: a DC EV's currents are on its DC side). */
  minCurrentA: number | null;
  maxCurrentA: number | null;
  maxPowerW: number | null;
  /** The phases an AC EV charges on; null for DC or when not told. */
  phases: 1 | 2 | 3 | null;
  /** The battery's state of charge (%), when the EV told it: kept as the connector's reading, not planned on. */
  socPercent?: number;
}

export interface EvChargingNeedsSink {
  take(needs: EvChargingNeeds): Promise<EvChargingNeedsStatus>;
}

export const NO_EV_CHARGING_NEEDS_SINK: EvChargingNeedsSink = {
  take: () => Promise.resolve('Rejected'),
};

/** The 2.0.1 `ChargingNeedsType` (ISO 15118), as the schema lets it through. */
export interface ChargingNeeds201 {
  requestedEnergyTransfer: 'AC_single_phase' | 'AC_two_phase' | 'AC_three_phase' | 'DC';
  departureTime?: string;
  acChargingParameters?: {
    energyAmount: number;
    evMinCurrent: number;
    evMaxCurrent: number;
    evMaxVoltage: number;
  };
  dcChargingParameters?: {
    evMaxCurrent: number;
    evMaxVoltage: number;
    energyAmount?: number;
    evMaxPower?: number;
    stateOfCharge?: number;
    evEnergyCapacity?: number;
    fullSoC?: number;
    bulkSoC?: number;
  };
}

export interface NotifyEVChargingNeedsRequest201 {
  evseId: number;
  maxScheduleTuples?: number;
  chargingNeeds: ChargingNeeds201;
}

const AC_PHASES: Record<string, 1 | 2 | 3> = { AC_single_phase: 1, AC_two_phase: 2, AC_three_phase: 3 };

/** The needs of a 2.0.1 NotifyEVChargingNeeds; a departure already past tells nothing. */
export function evChargingNeeds201(
  session: ChargerSession,
  request: NotifyEVChargingNeedsRequest201,
  now: Date,
): EvChargingNeeds {
  const { acChargingParameters: ac, dcChargingParameters: dc, departureTime } = request.chargingNeeds;
  return {
    ...sessionOf(session, request.evseId),
    departureAt: futureInstant(departureTime, now),
    energyWantedWh: ac?.energyAmount ?? (dc ? dcEnergyWantedWh(dc) : null),
    minCurrentA: ac?.evMinCurrent ?? null,
    maxCurrentA: ac?.evMaxCurrent ?? null,
    maxPowerW: dc?.evMaxPower ?? null,
    phases: AC_PHASES[request.chargingNeeds.requestedEnergyTransfer] ?? null,
    ...(dc?.stateOfCharge !== undefined && { socPercent: dc.stateOfCharge }),
  };
}

/** The energy a DC EV asks for, else what its battery lacks to be full by its state of charge. */
function dcEnergyWantedWh(dc: NonNullable<ChargingNeeds201['dcChargingParameters']>): number | null {
  if (dc.energyAmount !== undefined) return dc.energyAmount;
  if (dc.evEnergyCapacity === undefined || dc.stateOfCharge === undefined) return null;
  const fullPercent = dc.fullSoC ?? 100;
  return Math.max(0, (dc.evEnergyCapacity * (fullPercent - dc.stateOfCharge)) / 100);
}

/** The vendor id of gridflex's own DataTransfer messages, which let a 1.6 charger tell the EV's needs. */
export const GRIDFLEX_VENDOR_ID = 'org.gridflex';
export const CHARGING_NEEDS_MESSAGE_ID = 'ChargingNeeds';

/**
 * The needs of a 1.6 DataTransfer `org.gridflex`/`ChargingNeeds`, whose `data` is the JSON text
 * `{"connectorId":1,"departureTime":"…","energyAmountWh":…,"minCurrentA":…,"maxCurrentA":…,"phases":…,
 * "socPercent":…}` (all but `connectorId` optional); the reason it is refused otherwise.
 */
export function evChargingNeedsOfDataTransfer(
  session: ChargerSession,
  data: unknown,
  now: Date,
): EvChargingNeeds | string {
  const parsed = parseJsonObject(data);
  if (typeof parsed === 'string') return parsed;
  const { connectorId, departureTime, energyAmountWh, minCurrentA, maxCurrentA, phases, socPercent } = parsed;
  if (!Number.isInteger(connectorId) || (connectorId as number) < 1) {
    return 'connectorId must be an integer of 1 or more';
  }
  if (
    departureTime !== undefined &&
    (typeof departureTime !== 'string' || isNaN(Date.parse(departureTime)))
  ) {
    return 'departureTime must be an ISO 8601 instant';
  }
  for (const [name, value] of Object.entries({ energyAmountWh, minCurrentA, maxCurrentA })) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      return `${name} must be a number of 0 or more`;
    }
  }
  if (phases !== undefined && phases !== 1 && phases !== 2 && phases !== 3) return 'phases must be 1, 2 or 3';
  if (socPercent !== undefined && !(typeof socPercent === 'number' && socPercent >= 0 && socPercent <= 100)) {
    return 'socPercent must be a number from 0 to 100';
  }
  return {
    ...sessionOf(session, connectorId as number),
    departureAt: futureInstant(departureTime, now),
    energyWantedWh: (energyAmountWh as number | undefined) ?? null,
    minCurrentA: (minCurrentA as number | undefined) ?? null,
    maxCurrentA: (maxCurrentA as number | undefined) ?? null,
    maxPowerW: null,
    phases: phases ?? null,
    ...(socPercent !== undefined && { socPercent }),
  };
}

function parseJsonObject(data: unknown): Record<string, unknown> | string {
  let parsed: unknown = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data);
    } catch {
      return 'data must be a JSON object';
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'data must be a JSON object';
  return parsed as Record<string, unknown>;
}

function sessionOf(session: ChargerSession, connectorId: number) {
  return { chargerId: session.chargerId, identity: session.identity, siteId: session.siteId, connectorId };
}

function futureInstant(text: string | undefined, now: Date): Date | null {
  if (text === undefined) return null;
  const at = new Date(text);
  return at.getTime() > now.getTime() ? at : null;
}
