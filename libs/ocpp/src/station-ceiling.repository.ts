import { Inject, Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { DATABASE, Database, PlannedPeriod, schema } from '@gridflex/persistence';
import { SAFE_SHARE_COLUMNS } from './charger-state.repository';
import { chargerSafeShareA } from './profiles/station-max-profile';

/** What the station-wide maximum of a charger follows. */
export interface CeilingInputs {
  /** Excluded from smart charging: never sent a profile, the station maximum included. */
  smartChargingExcluded: boolean;
  /** The charger's safe share (A per phase); see `chargerSafeShareA`. */
  safeShareA: number;
  /**
   * The most the charger can ever be meant to draw, A per phase: what its site's tightest phase leaves beside
   * the base load, its own maximum, its connectors' maxima together. A plan above it is wrong, and not followed.
   */
  capA: number;
  /** The latest plan of each of the charger's connectors that has one. */
  plans: PlannedPeriod[][];
}

/**
 * Reads what the station maximum of a charger follows in one query, when the charger connects; the dispatch
 * worker reads the same along with each push (`toCeilingInputs`).
 */
@Injectable()
export class StationCeilingRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Null when the charger is not registered. */
  async ceilingInputs(chargerId: string): Promise<CeilingInputs | null> {
    const { chargers, connectorPlans, connectors, sites } = schema;
    const [row] = await this.db
      .select({
        ...SAFE_SHARE_COLUMNS,
        connectorMaxA: sql<
          (number | string)[]
        >`(select coalesce(array_agg(c.max_current_a), '{}') from ${connectors} c where c.charger_id = ${chargers.id})`,
        plans: sql<
          PlannedPeriod[][]
        >`(select coalesce(jsonb_agg(p.periods), '[]'::jsonb) from ${connectorPlans} p join ${connectors} c on c.id = p.connector_ref where c.charger_id = ${chargers.id})`,
      })
      .from(chargers)
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .where(eq(chargers.id, chargerId));
    if (!row) return null;
    return toCeilingInputs({
      ...row,
      siteLimitsA: row.siteLimitsA.map(Number),
      connectorMaxA: row.connectorMaxA.map(Number),
    });
  }
}

/** What the station maximum follows, from what is read about the charger, its site and its plans. */
export function toCeilingInputs(row: {
  smartChargingExcluded: boolean;
  chargerMaxA: number | null;
  failSafeShareA: number | null;
  siteLimitsA: number[];
  siteFallbackA: number[] | null;
  baseLoadA: number[];
  chargersAtSite: number;
  connectorMaxA: number[];
  plans: PlannedPeriod[][];
}): CeilingInputs {
  const headroomA = row.siteLimitsA.map((limit, phase) => limit - (row.baseLoadA[phase] ?? 0));
  const connectorsTogetherA = row.connectorMaxA.reduce((sum, max) => sum + max, 0);
  return {
    smartChargingExcluded: row.smartChargingExcluded,
    safeShareA: chargerSafeShareA(row),
    capA: Math.max(0, Math.min(...headroomA, connectorsTogetherA, row.chargerMaxA ?? Infinity)),
    plans: row.plans,
  };
}
