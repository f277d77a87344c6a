import type { EvChargingNeeds } from '@gridflex/ocpp';
import type { SessionPreferencesChange, SessionPreferencesRow } from '@gridflex/sites';

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
