import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { DATABASE, Database, PlannedPeriod, schema } from '@gridflex/persistence';
import type { DispatchStatus } from './dispatch.constants';

/** Everything needed to turn a connector's latest plan into an OCPP message. */
export interface DispatchTarget {
  version: number;
  periods: PlannedPeriod[];
  identity: string;
  connectorId: number;
  phases: 1 | 3;
  activeTransactionId: number | null;
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
      })
      .from(schema.connectorPlans)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.connectorPlans.connectorRef))
      .innerJoin(schema.chargers, eq(schema.chargers.id, schema.connectors.chargerId))
      .where(eq(schema.connectorPlans.connectorRef, connectorRef));
    if (!row) return undefined;
    const [transaction] = await this.db
      .select({ id: schema.transactions.id })
      .from(schema.transactions)
      .where(and(eq(schema.transactions.connectorRef, connectorRef), isNull(schema.transactions.stoppedAt)))
      .orderBy(desc(schema.transactions.startedAt), desc(schema.transactions.id))
      .limit(1);
    return { ...row, phases: row.phases === 1 ? 1 : 3, activeTransactionId: transaction?.id ?? null };
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
}
