import type { EvChargingNeeds } from '@gridflex/ocpp';
import type { SessionPreferencesChange, SessionPreferencesRow } from '@gridflex/sites';
import { MIN_CHARGING_CURRENT_A } from '../plan-builder';
import type { PlanningConnector } from '../planning.repository';

/** What the session's preferences hold of its EV's limits. */
export interface EvLimitsOfSession {
  evMinCurrentA: number | null;
  evMaxCurrentA: number | null;
  evMaxPowerW: number | null;
  evPhases: number | null;
}

/**
 * What the EV's needs change in its session's preferences. Its limits always apply: it cannot take more, nor
 * charge below its minimum. Its energy and departure become the session's wish unless an operator (API) or a
 * booking already told one, which the EV's does not override: the CPO knows of fleet rules the EV does not.
 */
export function evWishChange(
  existing: SessionPreferencesRow | undefined,
  needs: EvChargingNeeds,
): SessionPreferencesChange {
  const limits = {
    evMinCurrentA: needs.minCurrentA,
    evMaxCurrentA: needs.maxCurrentA,
    evMaxPowerW: needs.maxPowerW,
    evPhases: needs.phases,
  };
  if (existing && toldByPeople(existing)) return { ...limits, updatedBy: existing.updatedBy };
  return {
    ...limits,
    energyWantedWh: needs.energyWantedWh,
    departureAt: needs.departureAt,
    source: 'ev',
    updatedBy: `EV on ${needs.identity} connector ${needs.connectorId}`,
  };
}

function toldByPeople(row: SessionPreferencesRow): boolean {
  return row.source !== 'ev' && (row.energyWantedWh !== null || row.departureAt !== null);
}

/**
 * What the session's EV said it can take (ISO 15118): never more than its maximum current or power (a power in
 * A with the site's voltage over the phases it draws on), and 0 or at least its minimum (never above that
 * maximum, which the optimiser requires). It may also charge on fewer phases than the connector has, which
 * only changes how fast its energy comes (as learnt phases do).
 */
export function evLimits(
  connector: { maxCurrentA: number; phases: number; minCurrentA?: number | null },
  session: EvLimitsOfSession,
  learntPhasesInUse: number | null,
  nominalVoltageV: number,
): Pick<PlanningConnector, 'maxCurrentA' | 'minCurrentA' | 'phasesInUse'> | undefined {
  const { evMinCurrentA, evMaxCurrentA, evMaxPowerW, evPhases } = session;
  if (evMinCurrentA === null && evMaxCurrentA === null && evMaxPowerW === null && evPhases === null)
    return undefined;
  const phasesInUse = Math.min(
    evPhases ?? connector.phases,
    learntPhasesInUse ?? connector.phases,
    connector.phases,
  );
  const powerA = evMaxPowerW === null ? Infinity : evMaxPowerW / (phasesInUse * nominalVoltageV);
  // The schema lets negative values through: an EV cannot give back what it is told to take.
  const maxCurrentA = Math.max(0, Math.min(connector.maxCurrentA, evMaxCurrentA ?? Infinity, powerA));
  const minCurrentA = Math.min(
    Math.max(connector.minCurrentA ?? MIN_CHARGING_CURRENT_A, evMinCurrentA ?? 0),
    maxCurrentA,
  );
  return { maxCurrentA, minCurrentA, ...(phasesInUse < connector.phases && { phasesInUse }) };
}
