import type { PerPhase } from '@gridflex/optimizer';
import {
  gridPhasesOf,
  HorizonBlock,
  isEvPresent,
  SiteCapacity,
  siteLimitIn,
  siteTotalIn,
} from './plan-builder';
import type { PlanningConnector } from './planning.repository';

/** The optimizer's phase voltage where a site names none. */
const DEFAULT_PHASE_VOLTAGE_V = 230;

/** A forecast block in which the group could use more than the DSO allows. */
export interface CapacityNeedBlock {
  start: string;
  end: string;
  limitsA: PerPhase;
  /** What the group could draw per phase: base load and every EV present at its maximum, within the sites' limits. */
  neededA: PerPhase;
}

/**
 * The forecast blocks whose group limit is below what the group could draw: each site's base load plus
 * its EVs at their maximum (per charger, at most the charger's maximum), never above the site's own limits
 * in the block (grid connection per phase and in total, peak-shaving rules) — capacity we could not use is
 * not asked for.
 * Open and unlimited blocks are not forecast blocks and are left out.
 */
export function capacityNeedBlocks(
  horizon: HorizonBlock[],
  sites: SiteCapacity[],
  connectors: PlanningConnector[],
): CapacityNeedBlock[] {
  const drawn = new Map(sites.map((site) => [site.id, siteDraw(site, connectors)]));
  const short = horizon.flatMap((block) => {
    if (block.end === null) return [];
    const neededA = groupNeed(sites, drawn, block);
    const over = block.groupLimitsA.some((limit, p) => Number.isFinite(limit) && neededA[p] > limit + 1e-6);
    return over ? [{ start: block.start, end: block.end, limitsA: block.groupLimitsA, neededA }] : [];
  });
  return short.reduce<CapacityNeedBlock[]>(mergeNeighbours, []);
}

function groupNeed(sites: SiteCapacity[], drawn: Map<string, PerPhase>, block: HorizonBlock): PerPhase {
  const need = [0, 0, 0];
  for (const site of sites) {
    const limit = siteLimitIn(site, block);
    const draw = drawn.get(site.id) as PerPhase;
    const capped = [0, 1, 2].map((p) => Math.min(limit[p], draw[p]));
    // A total-power limit (the site's own, or a kW rule) scales the phases down together.
    const totalA = siteTotalIn(site, block) / (site.nominalVoltageV ?? DEFAULT_PHASE_VOLTAGE_V);
    const sumA = capped.reduce((sum, a) => sum + a, 0);
    const scale = sumA > totalA ? totalA / sumA : 1;
    for (let p = 0; p < 3; p++) need[p] += capped[p] * scale;
  }
  return need as unknown as PerPhase;
}

/** Base load plus the EVs present, each charger at most its maximum, per grid phase. */
function siteDraw(site: SiteCapacity, connectors: PlanningConnector[]): PerPhase {
  const draw = [...(site.baseLoadA ?? [0, 0, 0])];
  const byCharger = new Map<string, PlanningConnector[]>();
  for (const c of connectors.filter((c) => c.siteId === site.id && isEvPresent(c))) {
    const key = c.chargerId ?? c.connectorRef;
    byCharger.set(key, [...(byCharger.get(key) ?? []), c]);
  }
  for (const charging of byCharger.values()) {
    const chargerMaxA = charging[0].chargerMaxCurrentA ?? Infinity;
    for (let p = 0; p < 3; p++) {
      const onPhase = charging.filter((c) => gridPhasesOf(c).includes(p));
      draw[p] += Math.min(
        chargerMaxA,
        onPhase.reduce((sum, c) => sum + c.maxCurrentA, 0),
      );
    }
  }
  return draw as unknown as PerPhase;
}

/**
 * The horizon may be split where nothing changes (schedules, now): one block per run of equal figures. Extends
 * `merged` in place: copying it per block made a horizon of thousands of blocks quadratic.
 */
function mergeNeighbours(merged: CapacityNeedBlock[], block: CapacityNeedBlock): CapacityNeedBlock[] {
  const last = merged.at(-1);
  const same = (a: PerPhase, b: PerPhase) => a.every((x, p) => x === b[p]);
  if (
    last &&
    last.end === block.start &&
    same(last.limitsA, block.limitsA) &&
    same(last.neededA, block.neededA)
  ) {
    merged[merged.length - 1] = { ...last, end: block.end };
  } else {
    merged.push(block);
  }
  return merged;
}
