import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { fitsInt4 } from './int4';

const { connectors, transactions } = schema;

/** A local transaction as proxy mode maps it. */
export interface MappedTransaction {
  /** `transactions.id`. */
  ref: number;
  /** The id the upstream central system knows it by; null until it answered the transaction's start. */
  upstreamTransactionId: number | null;
}

/**
 * OCPP 1.6 proxy mode: the charger and its upstream central system may know a transaction by different ids
 * (the charger got ours while the upstream was unreachable). Each lookup is scoped to the charger's own
 * connectors, since ids handed out by different upstreams and by us may collide; among transactions of the
 * charger sharing an id, the latest one is meant.
 */
@Injectable()
export class TransactionIdMapRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** The charger's transaction it names `chargerTransactionId`, or null when we know none. */
  async byChargerId(chargerId: string, chargerTransactionId: number): Promise<MappedTransaction | null> {
    if (!fitsInt4(chargerTransactionId)) return null;
    const [row] = await this.db
      .select({ ref: transactions.id, upstreamTransactionId: transactions.upstreamTransactionId })
      .from(transactions)
      .where(
        and(
          eq(transactions.chargerTransactionId, chargerTransactionId),
          inArray(transactions.connectorRef, this.connectorsOf(chargerId)),
        ),
      )
      .orderBy(desc(transactions.id))
      .limit(1);
    return row ?? null;
  }

  /** The id the charger holds for the transaction its upstream names `upstreamTransactionId`, or null. */
  async chargerIdOf(chargerId: string, upstreamTransactionId: number): Promise<number | null> {
    if (!fitsInt4(upstreamTransactionId)) return null;
    const [row] = await this.db
      .select({ chargerTransactionId: transactions.chargerTransactionId })
      .from(transactions)
      .where(
        and(
          eq(transactions.upstreamTransactionId, upstreamTransactionId),
          inArray(transactions.connectorRef, this.connectorsOf(chargerId)),
        ),
      )
      .orderBy(desc(transactions.id))
      .limit(1);
    return row?.chargerTransactionId ?? null;
  }

  async upstreamIdOf(ref: number): Promise<number | null> {
    const [row] = await this.db
      .select({ upstreamTransactionId: transactions.upstreamTransactionId })
      .from(transactions)
      .where(eq(transactions.id, ref));
    return row?.upstreamTransactionId ?? null;
  }

  /** The upstream answered a replayed start: the charger keeps the id it holds, the upstream's is added. */
  async recordUpstreamId(ref: number, upstreamTransactionId: number): Promise<boolean> {
    if (!fitsInt4(upstreamTransactionId)) return false;
    await this.db.update(transactions).set({ upstreamTransactionId }).where(eq(transactions.id, ref));
    return true;
  }

  private connectorsOf(chargerId: string) {
    return this.db.select({ id: connectors.id }).from(connectors).where(eq(connectors.chargerId, chargerId));
  }
}
