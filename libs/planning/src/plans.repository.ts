import { Inject, Injectable } from '@nestjs/common';
import { asc, eq, inArray, sql } from 'drizzle-orm';
import { DATABASE, Database, PlannedPeriod, schema } from '@gridflex/persistence';

export interface StoredPlan {
  connectorRef: string;
  version: number;
  periods: PlannedPeriod[];
}

export interface PlanWithDispatch extends StoredPlan {
  identity: string;
  connectorId: number;
  plannedAt: Date;
  dispatchStatus: string;
  dispatchDetail: string | null;
  dispatchedVersion: number | null;
  dispatchedAt: Date | null;
  verification: string | null;
  verificationDetail: string | null;
  verifiedAt: Date | null;
}

@Injectable()
export class PlansRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async latest(connectorRefs: string[]): Promise<Map<string, StoredPlan>> {
    if (connectorRefs.length === 0) return new Map();
    const rows = await this.db
      .select({
        connectorRef: schema.connectorPlans.connectorRef,
        version: schema.connectorPlans.version,
        periods: schema.connectorPlans.periods,
      })
      .from(schema.connectorPlans)
      .where(inArray(schema.connectorPlans.connectorRef, connectorRefs));
    return new Map(rows.map((row) => [row.connectorRef, row]));
  }

  /** Stores new plan versions; each becomes `pending` until its dispatch outcome is recorded. */
  async save(plans: StoredPlan[], plannedAt: Date): Promise<void> {
    if (plans.length === 0) return;
    await this.db
      .insert(schema.connectorPlans)
      .values(plans.map((plan) => ({ ...plan, plannedAt, dispatchStatus: 'pending' })))
      .onConflictDoUpdate({
        target: schema.connectorPlans.connectorRef,
        set: {
          version: sql`excluded.version`,
          periods: sql`excluded.periods`,
          plannedAt: sql`excluded.planned_at`,
          dispatchStatus: sql`excluded.dispatch_status`,
          dispatchDetail: sql`null`,
          verification: sql`null`,
          verificationDetail: sql`null`,
          verifiedAt: sql`null`,
        },
      });
  }

  forSite(siteId: string): Promise<PlanWithDispatch[]> {
    return this.db
      .select({
        connectorRef: schema.connectorPlans.connectorRef,
        version: schema.connectorPlans.version,
        periods: schema.connectorPlans.periods,
        identity: schema.chargers.identity,
        connectorId: schema.connectors.connectorId,
        plannedAt: schema.connectorPlans.plannedAt,
        dispatchStatus: schema.connectorPlans.dispatchStatus,
        dispatchDetail: schema.connectorPlans.dispatchDetail,
        dispatchedVersion: schema.connectorPlans.dispatchedVersion,
        dispatchedAt: schema.connectorPlans.dispatchedAt,
        verification: schema.connectorPlans.verification,
        verificationDetail: schema.connectorPlans.verificationDetail,
        verifiedAt: schema.connectorPlans.verifiedAt,
      })
      .from(schema.connectorPlans)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.connectorPlans.connectorRef))
      .innerJoin(schema.chargers, eq(schema.chargers.id, schema.connectors.chargerId))
      .where(eq(schema.chargers.siteId, siteId))
      .orderBy(asc(schema.chargers.identity), asc(schema.connectors.connectorId));
  }
}
