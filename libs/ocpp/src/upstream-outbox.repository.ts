import { Inject, Injectable } from '@nestjs/common';
import { asc, count, eq } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';

const { upstreamOutbox } = schema;

/** A message waiting for the charger's upstream central system. */
export interface OutboxMessage {
  seq: number;
  action: string;
  params: Record<string, unknown>;
  /** The local transaction an OCPP 1.6 message names (`transactions.id`), or null. */
  transactionRef: number | null;
}

/**
 * Proxy mode: what a charger sent that must reach its upstream and has not yet, in the order it was sent.
 * Rows are removed one by one once the upstream has answered them, so a restart replays what was not answered.
 */
@Injectable()
export class UpstreamOutboxRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async append(
    chargerId: string,
    message: Pick<OutboxMessage, 'action' | 'params' | 'transactionRef'>,
  ): Promise<void> {
    await this.db.insert(upstreamOutbox).values({ chargerId, ...message });
  }

  /** The charger's oldest waiting message, or null when nothing waits. */
  async oldest(chargerId: string): Promise<OutboxMessage | null> {
    const [row] = await this.db
      .select({
        seq: upstreamOutbox.seq,
        action: upstreamOutbox.action,
        params: upstreamOutbox.params,
        transactionRef: upstreamOutbox.transactionRef,
      })
      .from(upstreamOutbox)
      .where(eq(upstreamOutbox.chargerId, chargerId))
      .orderBy(asc(upstreamOutbox.seq))
      .limit(1);
    return row ?? null;
  }

  async remove(seq: number): Promise<void> {
    await this.db.delete(upstreamOutbox).where(eq(upstreamOutbox.seq, seq));
  }

  /** Messages of all chargers waiting for their upstream: how far behind the upstreams are. */
  async waitingTotal(): Promise<number> {
    const [row] = await this.db.select({ waiting: count() }).from(upstreamOutbox);
    return row.waiting;
  }
}
