import { Inject, Injectable } from '@nestjs/common';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { fitsInt4 } from './int4';

const { connectors, transactions } = schema;

export interface TransactionStart {
  connectorRef: string;
  idTag: string;
  meterStartWh: number;
  startedAt: Date;
}

export interface TransactionStop {
  meterStopWh: number;
  stoppedAt: Date;
  reason: string | null;
}

/**
 * Stop reason of a transaction left open when a new one starts on its connector: its StopTransaction
 * was lost, and a connector carries one session at a time.
 */
export const SUPERSEDED = 'SupersededByNewTransaction';

/** OCPP 1.6 transactions; chargers repeat messages, so both operations are idempotent. */
@Injectable()
export class TransactionsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * The id of the transaction with this connector, start time and meter start, created unless it exists.
   * The connector row is locked so that a repeated StartTransaction arriving at the same time waits.
   * A transaction still open on the connector is closed at the new one's start.
   */
  async start(start: TransactionStart): Promise<{ transactionId: number; created: boolean }> {
    return this.db.transaction(async (tx) => {
      await tx
        .select({ id: connectors.id })
        .from(connectors)
        .where(eq(connectors.id, start.connectorRef))
        .for('update');
      const [existing] = await tx
        .select({ id: transactions.id })
        .from(transactions)
        .where(
          and(
            eq(transactions.connectorRef, start.connectorRef),
            eq(transactions.startedAt, start.startedAt),
            eq(transactions.meterStartWh, start.meterStartWh),
          ),
        );
      if (existing) return { transactionId: existing.id, created: false };
      await tx
        .update(transactions)
        .set({ stoppedAt: start.startedAt, stopReason: SUPERSEDED })
        .where(and(eq(transactions.connectorRef, start.connectorRef), isNull(transactions.stoppedAt)));
      const [created] = await tx.insert(transactions).values(start).returning({ id: transactions.id });
      return { transactionId: created.id, created: true };
    });
  }

  /**
   * Closes an open transaction on one of the charger's connectors. False when there is none with that id:
   * unknown, another charger's, or already stopped (a repeated stop changes nothing).
   */
  async stop(chargerId: string, transactionId: number, stop: TransactionStop): Promise<boolean> {
    if (!fitsInt4(transactionId)) return false;
    const chargerConnectors = this.db
      .select({ id: connectors.id })
      .from(connectors)
      .where(eq(connectors.chargerId, chargerId));
    const updated = await this.db
      .update(transactions)
      .set({ meterStopWh: stop.meterStopWh, stoppedAt: stop.stoppedAt, stopReason: stop.reason })
      .where(
        and(
          eq(transactions.id, transactionId),
          isNull(transactions.stoppedAt),
          inArray(transactions.connectorRef, chargerConnectors),
        ),
      )
      .returning({ id: transactions.id });
    return updated.length > 0;
  }
}
