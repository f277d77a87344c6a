import { Inject, Injectable } from '@nestjs/common';
import { asc, eq, sql } from 'drizzle-orm';
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
  renewAt: Date | null;
  verification: string | null;
  verificationDetail: string | null;
  verifiedAt: Date | null;
}

@Injectable()
export class PlansRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** One array parameter however many connectors: they are UUIDs, which an array literal takes unquoted. */
  async latest(connectorRefs: string[]): Promise<Map<string, StoredPlan>> {
    if (connectorRefs.length === 0) return new Map();
    const rows = await this.db
      .select({
        connectorRef: schema.connectorPlans.connectorRef,
        version: schema.connectorPlans.version,
        periods: schema.connectorPlans.periods,
      })
      .from(schema.connectorPlans)
      .where(sql`${schema.connectorPlans.connectorRef} = any(${`{${connectorRefs.join(',')}}`}::uuid[])`);
    return new Map(rows.map((row) => [row.connectorRef, row]));
  }

  /**
   * Stores new plan versions; each becomes `pending` until its dispatch outcome is recorded. One statement
   * with one parameter however many plans: a VALUES list would take five parameters a plan (PostgreSQL
   * allows 65,535 in all) and cost Drizzle as much time to build as the database to run.
   */
  async save(plans: StoredPlan[], plannedAt: Date): Promise<void> {
    if (plans.length === 0) return;
    const rows = JSON.stringify(
      plans.map(({ connectorRef, version, periods }) => ({ connector_ref: connectorRef, version, periods })),
    );
    await this.db.execute(sql`
      insert into ${schema.connectorPlans} (connector_ref, version, periods, planned_at, dispatch_status)
      select v.connector_ref, v.version, v.periods, ${plannedAt.toISOString()}::timestamptz, 'pending'
      from json_to_recordset(${rows}::json) as v(connector_ref uuid, version integer, periods jsonb)
      on conflict (connector_ref) do update set
        version = excluded.version,
        periods = excluded.periods,
        planned_at = excluded.planned_at,
        dispatch_status = excluded.dispatch_status,
        dispatch_detail = null,
        renew_at = null,
        verification = null,
        verification_detail = null,
        verified_at = null`);
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
        renewAt: schema.connectorPlans.renewAt,
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
