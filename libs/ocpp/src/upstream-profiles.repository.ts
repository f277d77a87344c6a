import { Inject, Injectable } from '@nestjs/common';
import { and, asc, desc, eq, inArray, isNotNull, isNull, or, SQL } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { fitsInt4 } from './int4';
import type { UpstreamClearFilter, UpstreamProfileRequest } from './upstream-profile-request';

const { connectors, transactions, upstreamChargingProfiles: profiles } = schema;

/** A stored upstream profile, as the service hands it back when it must be undone. */
export type StoredUpstreamProfile = typeof profiles.$inferSelect;

/** A stored upstream profile as the operator sees it. */
export interface ListedUpstreamProfile {
  connectorId: number;
  profileId: number;
  stackLevel: number;
  purpose: schema.UpstreamProfilePurpose;
  /** A TxProfile's transaction as the upstream names it; null for the other purposes. */
  transactionId: number | string | null;
  schedule: schema.UpstreamSchedule;
  receivedAt: Date;
}

/** Proxy mode: the charging profiles a charger's upstream central system set, kept by gridflex instead. */
@Injectable()
export class UpstreamProfilesRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * The charger's stored upstream profiles, by connector, purpose and stack level; a TxProfile's transaction
   * named as the upstream names it (1.6: its id, else the charger's; 2.0.1: the station's).
   */
  async listForCharger(chargerId: string): Promise<ListedUpstreamProfile[]> {
    const rows = await this.db
      .select({
        connectorId: profiles.connectorId,
        profileId: profiles.profileId,
        stackLevel: profiles.stackLevel,
        purpose: profiles.purpose,
        upstreamTransactionId: transactions.upstreamTransactionId,
        chargerTransactionId: transactions.chargerTransactionId,
        stationTransactionId: transactions.stationTransactionId,
        schedule: profiles.schedule,
        receivedAt: profiles.receivedAt,
      })
      .from(profiles)
      .leftJoin(transactions, eq(transactions.id, profiles.transactionId))
      .where(eq(profiles.chargerId, chargerId))
      .orderBy(asc(profiles.connectorId), asc(profiles.purpose), desc(profiles.stackLevel));
    return rows.map(({ upstreamTransactionId, chargerTransactionId, stationTransactionId, ...profile }) => ({
      ...profile,
      transactionId: upstreamTransactionId ?? chargerTransactionId ?? stationTransactionId ?? null,
    }));
  }

  /** Whether the charger has that connector (0, the whole charger, it always has). */
  async hasConnector(chargerId: string, connectorId: number): Promise<boolean> {
    if (connectorId === 0) return true;
    const [row] = await this.db
      .select({ id: connectors.id })
      .from(connectors)
      .where(and(eq(connectors.chargerId, chargerId), eq(connectors.connectorId, connectorId)));
    return row !== undefined;
  }

  /** The id of the transaction open on the connector, null when none runs. */
  async openTransactionOn(chargerId: string, connectorId: number): Promise<number | null> {
    const [row] = await this.db
      .select({ id: transactions.id })
      .from(transactions)
      .innerJoin(connectors, eq(connectors.id, transactions.connectorRef))
      .where(
        and(
          eq(connectors.chargerId, chargerId),
          eq(connectors.connectorId, connectorId),
          isNull(transactions.stoppedAt),
        ),
      )
      .orderBy(desc(transactions.startedAt), desc(transactions.id))
      .limit(1);
    return row?.id ?? null;
  }

  /**
   * Stores the profile in place of those it replaces (OCPP: the same id, or the same stack level and purpose
   * on the same connector) and returns them, so that a refusal by the charger can put them back.
   */
  async store(
    chargerId: string,
    profile: UpstreamProfileRequest,
    transactionId: number | null,
    receivedAt: Date,
  ): Promise<StoredUpstreamProfile[]> {
    return this.db.transaction(async (tx) => {
      const replaced = await tx
        .delete(profiles)
        .where(
          and(
            eq(profiles.chargerId, chargerId),
            or(
              eq(profiles.profileId, profile.profileId),
              and(
                eq(profiles.connectorId, profile.connectorId),
                eq(profiles.stackLevel, profile.stackLevel),
                eq(profiles.purpose, profile.purpose),
              ),
            ),
          ),
        )
        .returning();
      await tx.insert(profiles).values({ chargerId, ...profile, transactionId, receivedAt });
      return replaced;
    });
  }

  /** Undoes `store`: removes the profile and puts back those it had replaced. */
  async restore(chargerId: string, profileId: number, replaced: StoredUpstreamProfile[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx
        .delete(profiles)
        .where(and(eq(profiles.chargerId, chargerId), eq(profiles.profileId, profileId)));
      if (replaced.length > 0) await tx.insert(profiles).values(replaced.map(({ id: _id, ...row }) => row));
    });
  }

  /** Removes the profiles the filter matches; returns the connectors they were on. */
  async clear(chargerId: string, filter: UpstreamClearFilter): Promise<number[]> {
    const conditions = clearConditions(filter);
    if (conditions === null) return [];
    const removed = await this.db
      .delete(profiles)
      .where(and(eq(profiles.chargerId, chargerId), ...conditions))
      .returning({ connectorId: profiles.connectorId });
    return removed.map((row) => row.connectorId);
  }

  /** TxProfiles go with their transaction: those of the charger's ended transactions are removed. */
  async dropEndedTransactions(chargerId: string): Promise<number> {
    const ended = this.db
      .select({ id: transactions.id })
      .from(transactions)
      .where(isNotNull(transactions.stoppedAt));
    const removed = await this.db
      .delete(profiles)
      .where(
        and(
          eq(profiles.chargerId, chargerId),
          isNotNull(profiles.transactionId),
          inArray(profiles.transactionId, ended),
        ),
      )
      .returning({ id: profiles.id });
    return removed.length;
  }
}

/** Null when an id in the filter cannot be one of ours: it then matches nothing. */
function clearConditions(filter: UpstreamClearFilter): SQL[] | null {
  const ids = [filter.profileId, filter.connectorId, filter.stackLevel].filter((id) => id !== undefined);
  if (!ids.every(fitsInt4)) return null;
  return [
    ...(filter.profileId === undefined ? [] : [eq(profiles.profileId, filter.profileId)]),
    ...(filter.connectorId === undefined ? [] : [eq(profiles.connectorId, filter.connectorId)]),
    ...(filter.purpose === undefined ? [] : [eq(profiles.purpose, filter.purpose)]),
    ...(filter.stackLevel === undefined ? [] : [eq(profiles.stackLevel, filter.stackLevel)]),
  ];
}
