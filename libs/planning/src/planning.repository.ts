import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';

/** A connector as the planner sees it: where it hangs, what it can take, whether an EV is there. */
export interface PlanningConnector {
  connectorRef: string;
  siteId: string;
  identity: string;
  connectorId: number;
  phases: number;
  maxCurrentA: number;
  status: string | null;
  statusAt: Date | null;
  transactionStartedAt: Date | null;
}

/** Reads the inputs of a plan in a few queries. */
@Injectable()
export class PlanningRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async connectorsOfSites(siteIds: string[]): Promise<PlanningConnector[]> {
    if (siteIds.length === 0) return [];
    const rows = await this.db
      .select({
        connectorRef: schema.connectors.id,
        siteId: schema.chargers.siteId,
        identity: schema.chargers.identity,
        connectorId: schema.connectors.connectorId,
        phases: schema.connectors.phases,
        maxCurrentA: schema.connectors.maxCurrentA,
        status: schema.connectors.status,
        statusAt: schema.connectors.statusAt,
      })
      .from(schema.connectors)
      .innerJoin(schema.chargers, eq(schema.chargers.id, schema.connectors.chargerId))
      .where(inArray(schema.chargers.siteId, siteIds))
      .orderBy(asc(schema.chargers.identity), asc(schema.connectors.connectorId));
    const started = await this.openTransactionStarts(rows.map((r) => r.connectorRef));
    return rows.map((row) => ({ ...row, transactionStartedAt: started.get(row.connectorRef) ?? null }));
  }

  private async openTransactionStarts(connectorRefs: string[]): Promise<Map<string, Date>> {
    if (connectorRefs.length === 0) return new Map();
    const open = await this.db
      .select({ connectorRef: schema.transactions.connectorRef, startedAt: schema.transactions.startedAt })
      .from(schema.transactions)
      .where(
        and(inArray(schema.transactions.connectorRef, connectorRefs), isNull(schema.transactions.stoppedAt)),
      )
      .orderBy(asc(schema.transactions.startedAt));
    return new Map(open.map((t) => [t.connectorRef, t.startedAt]));
  }
}
