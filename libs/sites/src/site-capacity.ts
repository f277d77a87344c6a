import type { SiteRow } from './sites.repository';
import type { PhaseAmps } from './site-model';

/** A metered base load older than this is no longer trusted: the configured value is used instead. */
export const BASE_LOAD_READING_MAX_AGE_MS = 15 * 60 * 1000;

/**
 * The grid connection's limit per phase. A total power limit binds exactly as its own constraint
 * (`siteTotalLimitW`); here it only caps each phase at what the whole total allows on that one phase.
 */
export function sitePhaseLimitsA(site: SiteRow): PhaseAmps {
  const fromTotal = (siteTotalLimitW(site) ?? Infinity) / site.nominalVoltageV;
  return [
    Math.min(site.limitL1A, fromTotal),
    Math.min(site.limitL2A, fromTotal),
    Math.min(site.limitL3A, fromTotal),
  ];
}

/** The grid connection's total power limit in W, summed over the phases; undefined when it has none. */
export function siteTotalLimitW(site: SiteRow): number | undefined {
  return site.totalLimitKw === null ? undefined : site.totalLimitKw * 1000;
}

/** The non-controllable load to subtract now: a fresh meter reading when metered, the configured value otherwise. */
export function effectiveBaseLoadA(site: SiteRow, now: Date): PhaseAmps {
  const reading = site.meteredBaseLoadA;
  const age = site.meteredBaseLoadAt ? now.getTime() - site.meteredBaseLoadAt.getTime() : Infinity;
  if (site.baseLoadMode === 'metered' && reading && age <= BASE_LOAD_READING_MAX_AGE_MS) return reading;
  return site.baseLoadA;
}
