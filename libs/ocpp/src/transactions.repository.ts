import { Inject, Injectable } from '@nestjs/common';
import { and, eq, inArray, isNull, SQL } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { fitsInt4 } from './int4';

const { connectors, transactions } = schema;

export interface TransactionStart {
  connectorRef: string;
  idTag: string;
  meterStartWh: number;
  startedAt: Date;
}

/** A 1.6 start, whose `startedAt` is the charger's stamp unless that was out of bounds (`eventTime`). */
export interface ChargerTransactionStart extends TransactionStart {
  /** False when `startedAt` is the time we received the start, which a repeat of it does not share. */
  stampTrusted?: boolean;
  /**
   * Proxy mode: the transactionId the upstream central system answered, which the charger gets and names the
   * transaction by from then on. Without it the charger gets our id.
   */
  upstreamTransactionId?: number;
}

/** A 2.0.1 transaction, known by the id its station gave it. */
export interface StationTransactionStart extends TransactionStart {
  stationTransactionId: string;
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

/**
 * What a connector's readings said about the EV of its session (its phases, its state of charge) does not
 * carry over to the next EV.
 */
const NO_SESSION_READINGS = {
  phasesInUse: null,
  phasesInUseMask: null,
  phaseEvidence: null,
  socPercent: null,
};

/** OCPP transactions; chargers repeat messages, so every operation is idempotent. */
@Injectable()
export class TransactionsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * The transactionId the charger holds (`chargerTransactionId`) of the transaction with this connector, start
   * time and meter start, created unless it exists.
   * The connector row is locked so that a repeated StartTransaction arriving at the same time waits.
   * A transaction still open on the connector is closed at the new one's start. A start taken at the time we
   * received it repeats the connector's open transaction with the same meter start and idTag.
   */
  async start({
    stampTrusted = true,
    upstreamTransactionId,
    ...start
  }: ChargerTransactionStart): Promise<{ transactionId: number; created: boolean }> {
    const upstreamIds = upstreamIdColumns(upstreamTransactionId);
    return this.db.transaction(async (tx) => {
      await tx
        .select({ id: connectors.id })
        .from(connectors)
        .where(eq(connectors.id, start.connectorRef))
        .for('update');
      const [existing] = await tx
        .select({ id: transactions.id, chargerTransactionId: transactions.chargerTransactionId })
        .from(transactions)
        .where(
          and(
            eq(transactions.connectorRef, start.connectorRef),
            eq(transactions.meterStartWh, start.meterStartWh),
            stampTrusted
              ? eq(transactions.startedAt, start.startedAt)
              : and(eq(transactions.idTag, start.idTag), isNull(transactions.stoppedAt)),
          ),
        );
      if (existing) {
        if (upstreamIds)
          await tx.update(transactions).set(upstreamIds).where(eq(transactions.id, existing.id));
        const held = upstreamIds?.chargerTransactionId ?? existing.chargerTransactionId ?? existing.id;
        return { transactionId: held, created: false };
      }
      await tx
        .update(transactions)
        .set({ stoppedAt: start.startedAt, stopReason: SUPERSEDED })
        .where(and(eq(transactions.connectorRef, start.connectorRef), isNull(transactions.stoppedAt)));
      const [created] = await tx
        .insert(transactions)
        .values({ ...start, ...upstreamIds })
        .returning({ id: transactions.id });
      if (!upstreamIds) {
        await tx
          .update(transactions)
          .set({ chargerTransactionId: created.id })
          .where(eq(transactions.id, created.id));
      }
      await tx.update(connectors).set(NO_SESSION_READINGS).where(eq(connectors.id, start.connectorRef));
      return { transactionId: upstreamIds?.chargerTransactionId ?? created.id, created: true };
    });
  }

  /**
   * Records a 2.0.1 transaction the first time one of its events arrives (its Started event may have been
   * lost or come late); a transaction still open on the connector is closed at the new one's start.
   */
  async startStation(start: StationTransactionStart): Promise<{ created: boolean }> {
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
            eq(transactions.stationTransactionId, start.stationTransactionId),
          ),
        );
      if (existing) return { created: false };
      await tx
        .update(transactions)
        .set({ stoppedAt: start.startedAt, stopReason: SUPERSEDED })
        .where(and(eq(transactions.connectorRef, start.connectorRef), isNull(transactions.stoppedAt)));
      await tx.insert(transactions).values(start);
      await tx.update(connectors).set(NO_SESSION_READINGS).where(eq(connectors.id, start.connectorRef));
      return { created: true };
    });
  }

  /** The connector of a 2.0.1 transaction of this charger, or null when we do not know the transaction. */
  async findStationTransactionConnector(
    chargerId: string,
    stationTransactionId: string,
  ): Promise<{ connectorRef: string; connectorId: number } | null> {
    const [row] = await this.db
      .select({ connectorRef: transactions.connectorRef, connectorId: connectors.connectorId })
      .from(transactions)
      .innerJoin(connectors, eq(connectors.id, transactions.connectorRef))
      .where(
        and(eq(connectors.chargerId, chargerId), eq(transactions.stationTransactionId, stationTransactionId)),
      )
      .limit(1);
    return row ?? null;
  }

  /** Closes an open 2.0.1 transaction of the charger; false when unknown or already stopped. */
  stopStation(chargerId: string, stationTransactionId: string, stop: TransactionStop): Promise<boolean> {
    return this.stopOpen(chargerId, eq(transactions.stationTransactionId, stationTransactionId), stop);
  }

  /**
   * Closes an open transaction on one of the charger's connectors, known by the id the charger holds. False
   * when there is none with that id: unknown, another charger's, or already stopped (a repeated stop changes
   * nothing).
   */
  async stop(chargerId: string, chargerTransactionId: number, stop: TransactionStop): Promise<boolean> {
    if (!fitsInt4(chargerTransactionId)) return false;
    return this.stopOpen(chargerId, eq(transactions.chargerTransactionId, chargerTransactionId), stop);
  }

  /** Closes the open transaction that `identifies` selects, only among the charger's own connectors. */
  private async stopOpen(chargerId: string, identifies: SQL, stop: TransactionStop): Promise<boolean> {
    const chargerConnectors = this.db
      .select({ id: connectors.id })
      .from(connectors)
      .where(eq(connectors.chargerId, chargerId));
    const updated = await this.db
      .update(transactions)
      .set({ meterStopWh: stop.meterStopWh, stoppedAt: stop.stoppedAt, stopReason: stop.reason })
      .where(
        and(
          identifies,
          isNull(transactions.stoppedAt),
          inArray(transactions.connectorRef, chargerConnectors),
        ),
      )
      .returning({ connectorRef: transactions.connectorRef });
    if (updated.length === 0) return false;
    await this.db
      .update(connectors)
      .set(NO_SESSION_READINGS)
      .where(
        inArray(
          connectors.id,
          updated.map((row) => row.connectorRef),
        ),
      );
    return true;
  }
}

/**
 * The charger holds the upstream's id, and the upstream knows it. An id the column cannot hold is not kept:
 * the charger then names the transaction by an id we cannot map, as if it had started elsewhere.
 */
function upstreamIdColumns(
  upstreamTransactionId: number | undefined,
): { chargerTransactionId: number; upstreamTransactionId: number } | undefined {
  if (upstreamTransactionId === undefined || !fitsInt4(upstreamTransactionId)) return undefined;
  return { chargerTransactionId: upstreamTransactionId, upstreamTransactionId };
}
