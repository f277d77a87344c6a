import { PeakShavingRule, peakShavingSeries } from '@gridflex/schedules';
import { effectiveBaseLoadA, SiteRow, siteTotalLimitW } from '@gridflex/sites';
import type { SiteCapacity } from './plan-builder';
import type { PlanningCircuit } from './planning.repository';

/** How far ahead peak-shaving windows enter the plan; each window edge re-plans, so the plan moves along. */
export const SCHEDULE_LOOKAHEAD_MS = 48 * 60 * 60 * 1000;

/**
 * A site as a node of the allocation tree: its grid limit (per phase and total), base load now, circuits,
 * and the limits its peak-shaving rules set from the start of the horizon on.
 */
export function toSiteCapacity(
  site: SiteRow,
  circuits: PlanningCircuit[],
  rules: (PeakShavingRule & { siteId: string })[],
  now: Date,
  horizonStart: Date,
): SiteCapacity {
  const shape = {
    timeZone: site.timeZone,
    nominalVoltageV: site.nominalVoltageV,
    gridLimitA: [site.limitL1A, site.limitL2A, site.limitL3A] as const,
  };
  const siteRules = rules.filter((rule) => rule.siteId === site.id);
  const lookaheadEnd = new Date(horizonStart.getTime() + SCHEDULE_LOOKAHEAD_MS);
  const totalLimitW = siteTotalLimitW(site);
  return {
    id: site.id,
    // The total binds as its own constraint: no per-phase share of it, so the reason names the total.
    limitsA: shape.gridLimitA,
    ...(totalLimitW !== undefined && { totalLimitW }),
    nominalVoltageV: site.nominalVoltageV,
    ...(site.lineToLineVoltageV !== null && { lineToLineVoltageV: site.lineToLineVoltageV }),
    ...(site.transformer !== null && { transformer: site.transformer }),
    baseLoadA: effectiveBaseLoadA(site, now),
    circuits: circuits.filter((c) => c.siteId === site.id),
    scheduledLimitsA: peakShavingSeries(siteRules, shape, horizonStart, lookaheadEnd),
  };
}
