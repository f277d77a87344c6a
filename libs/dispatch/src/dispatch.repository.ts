import { Inject, Injectable } from '@nestjs/common';
import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { DATABASE, Database, PlannedPeriod, schema } from '@gridflex/persistence';
import { DispatchStatus, RETRYABLE_STATUSES, SetChargingProfileJob } from './dispatch.constants';

/** A connector's latest plan and where to send it. */
export interface DispatchTarget {
  version: number;
  periods: PlannedPeriod[];
  identity: string;
  connectorId: number;
  phases: 1 | 3;
  /** Why the connector refuses our profiles; null while it accepts them. */
  uncontrollableReason: string | null;
  dispatchStatus: string;
  dispatchedVersion: number | null;
}

@Injectable()
export class DispatchRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async loadTarget(connectorRef: string): Promise<DispatchTarget | undefined> {
    const [row] = await this.db
      .select({
        version: schema.connectorPlans.version,
        periods: schema.connectorPlans.periods,
        identity: schema.chargers.identity,
        connectorId: schema.connectors.connectorId,
        phases: schema.connectors.phases,
        uncontrollableReason: schema.connectors.uncontrollableReason,
        dispatchStatus: schema.connectorPlans.dispatchStatus,
        dispatchedVersion: schema.connectorPlans.dispatchedVersion,
      })
      .from(schema.connectorPlans)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.connectorPlans.connectorRef))
      .innerJoin(schema.chargers, eq(schema.chargers.id, schema.connectors.chargerId))
      .where(eq(schema.connectorPlans.connectorRef, connectorRef));
    return row && { ...row, phases: row.phases === 1 ? 1 : 3 };
  }

  /** Records an outcome, unless a newer plan version has replaced the one it belongs to. */
  async recordOutcome(
    connectorRef: string,
    version: number,
    status: DispatchStatus,
    detail: string | null,
    at: Date,
  ): Promise<void> {
    await this.db
      .update(schema.connectorPlans)
      .set({ dispatchStatus: status, dispatchDetail: detail, dispatchedVersion: version, dispatchedAt: at })
      .where(
        and(eq(schema.connectorPlans.connectorRef, connectorRef), eq(schema.connectorPlans.version, version)),
      );
  }

  /** What reading the composite schedule back found, unless a newer plan version has replaced this one. */
  async recordVerification(
    connectorRef: string,
    version: number,
    result: { verdict: string; detail: string },
    at: Date,
  ): Promise<void> {
    await this.db
      .update(schema.connectorPlans)
      .set({ verification: result.verdict, verificationDetail: result.detail, verifiedAt: at })
      .where(
        and(eq(schema.connectorPlans.connectorRef, connectorRef), eq(schema.connectorPlans.version, version)),
      );
  }

  /** connectorRef → identity of its charger. */
  async identitiesOf(connectorRefs: string[]): Promise<Map<string, string>> {
    if (connectorRefs.length === 0) return new Map();
    const rows = await this.db
      .select({ connectorRef: schema.connectors.id, identity: schema.chargers.identity })
      .from(schema.connectors)
      .innerJoin(schema.chargers, eq(schema.chargers.id, schema.connectors.chargerId))
      .where(inArray(schema.connectors.id, connectorRefs));
    return new Map(rows.map((row) => [row.connectorRef, row.identity]));
  }

  /** Plans whose charger no instance holds: they go out when it connects. Newer versions are left alone. */
  async recordOffline(plans: SetChargingProfileJob[], at: Date): Promise<void> {
    if (plans.length === 0) return;
    const versions = sql.join(
      plans.map(({ connectorRef, version }) => sql`(${connectorRef}::uuid, ${version}::integer)`),
      sql`, `,
    );
    await this.db
      .update(schema.connectorPlans)
      .set({
        dispatchStatus: 'charger-offline',
        dispatchDetail: 'Charger not connected; sent when it connects',
        dispatchedVersion: sql`${schema.connectorPlans.version}`,
        dispatchedAt: at,
      })
      .where(sql`(${schema.connectorPlans.connectorRef}, ${schema.connectorPlans.version}) in (${versions})`);
  }

  /**
   * Latest plans that have not reached their charger and nobody is working on: still pending since before
   * `before`, or last tried before `before` and not refused by the charger.
   */
  undelivered(before: Date): Promise<SetChargingProfileJob[]> {
    const plans = schema.connectorPlans;
    return this.db
      .select({ connectorRef: plans.connectorRef, version: plans.version })
      .from(plans)
      .where(
        and(
          inArray(plans.dispatchStatus, [...RETRYABLE_STATUSES]),
          or(
            and(eq(plans.dispatchStatus, 'pending'), lt(plans.plannedAt, before)),
            and(sql`${plans.dispatchStatus} <> 'pending'`, lt(plans.dispatchedAt, before)),
          ),
        ),
      );
  }

  /** The latest plan of each of the charger's connectors, with how its latest push went. */
  plansForCharger(chargerId: string): Promise<(SetChargingProfileJob & { dispatchStatus: string })[]> {
    return this.db
      .select({
        connectorRef: schema.connectorPlans.connectorRef,
        version: schema.connectorPlans.version,
        dispatchStatus: schema.connectorPlans.dispatchStatus,
      })
      .from(schema.connectorPlans)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.connectorPlans.connectorRef))
      .where(eq(schema.connectors.chargerId, chargerId));
  }

  /**
   * The latest plan of each of the charger's connectors that has a transaction running, with that
   * transaction's id: a plan sent before the transaction started went out as a TxDefaultProfile.
   */
  plansWithOpenTransaction(
    chargerId: string,
  ): Promise<(SetChargingProfileJob & { transactionId: number })[]> {
    return this.db
      .select({
        connectorRef: schema.connectorPlans.connectorRef,
        version: schema.connectorPlans.version,
        transactionId: schema.transactions.id,
      })
      .from(schema.connectorPlans)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.connectorPlans.connectorRef))
      .innerJoin(
        schema.transactions,
        and(
          eq(schema.transactions.connectorRef, schema.connectorPlans.connectorRef),
          isNull(schema.transactions.stoppedAt),
        ),
      )
      .where(eq(schema.connectors.chargerId, chargerId));
  }
}
