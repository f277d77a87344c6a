import { Inject, Injectable } from '@nestjs/common';
import { and, eq } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import type { EvseLimits } from './ev-charging-schedule';
import { fitsInt4 } from './int4';

const { chargingLimits, chargers, connectorPlans, connectors, sites } = schema;

export interface ReportedChargingLimit {
  chargerId: string;
  /** 0 for the whole station. */
  evseId: number;
  source: string;
  isGridCritical: boolean | null;
  /** Null when the station reported the limit without its schedule. */
  schedules: schema.ReportedChargingSchedule[] | null;
  reportedAt: Date;
}

/**
 * The external charging limits 2.0.1 stations report (NotifyChargingLimit) until they report them cleared
 * (ClearedChargingLimit): one per station, EVSE and source, the latest report replacing the previous one.
 */
@Injectable()
export class ChargingLimitsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** False when the EVSE id cannot be one of ours. */
  async record(limit: ReportedChargingLimit): Promise<boolean> {
    if (!fitsInt4(limit.evseId)) return false;
    const { isGridCritical, schedules, reportedAt } = limit;
    await this.db
      .insert(chargingLimits)
      .values(limit)
      .onConflictDoUpdate({
        target: [chargingLimits.chargerId, chargingLimits.evseId, chargingLimits.source],
        set: { isGridCritical, schedules, reportedAt },
      });
    return true;
  }

  /** Removes the limit of that source on that EVSE (0: the station); false when there was none. */
  async clear(chargerId: string, evseId: number, source: string): Promise<boolean> {
    if (!fitsInt4(evseId)) return false;
    const deleted = await this.db
      .delete(chargingLimits)
      .where(
        and(
          eq(chargingLimits.chargerId, chargerId),
          eq(chargingLimits.evseId, evseId),
          eq(chargingLimits.source, source),
        ),
      )
      .returning({ id: chargingLimits.id });
    return deleted.length > 0;
  }

  /** The plan our profiles for the EVSE follow; null when it has none (or is not ours). */
  async evseLimits(chargerId: string, evseId: number): Promise<EvseLimits | null> {
    if (!fitsInt4(evseId)) return null;
    const [row] = await this.db
      .select({
        periods: connectorPlans.periods,
        nominalVoltageV: sites.nominalVoltageV,
        phases: connectors.phases,
      })
      .from(connectors)
      .innerJoin(connectorPlans, eq(connectorPlans.connectorRef, connectors.id))
      .innerJoin(chargers, eq(chargers.id, connectors.chargerId))
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .where(and(eq(connectors.chargerId, chargerId), eq(connectors.connectorId, evseId)));
    return row ?? null;
  }
}
