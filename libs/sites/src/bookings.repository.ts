import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, gt, isNull, lt, lte } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { isUniqueViolation } from './duplicate-charger';
import { changeSiteModel, ModelChange } from './site-model.repository';

export type BookingRow = typeof schema.connectorBookings.$inferSelect;
export type NewBooking = Omit<
  typeof schema.connectorBookings.$inferInsert,
  'id' | 'createdAt' | 'transactionId'
>;

/** A booking with the connector it is for, as the API names it. */
export type BookingWithConnector = BookingRow & { chargerId: string; identity: string; connectorId: number };

/** A session running on a charger, to be matched with a booking of its connector. */
export interface OpenTransaction {
  transactionId: number;
  connectorRef: string;
  startedAt: Date;
}

export class BookingNotFoundError extends Error {
  constructor(siteId: string, bookingId: string) {
    super(`Booking ${bookingId} not found on site ${siteId}`);
  }
}

const { connectorBookings: bookings, connectors, chargers, transactions } = schema;

const WITH_CONNECTOR = {
  booking: bookings,
  chargerId: chargers.id,
  identity: chargers.identity,
  connectorId: connectors.connectorId,
};

/** Bookings of connectors before the EV arrives; adding and removing one is a version of the site's model. */
@Injectable()
export class BookingsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async add(booking: NewBooking, change: ModelChange): Promise<BookingRow> {
    const { result } = await changeSiteModel(this.db, booking.siteId, change, async (tx) => {
      const [row] = await tx.insert(bookings).values(booking).returning();
      return row;
    });
    return result;
  }

  async remove(siteId: string, bookingId: string, change: ModelChange): Promise<void> {
    await changeSiteModel(this.db, siteId, change, async (tx) => {
      const removed = await tx
        .delete(bookings)
        .where(and(eq(bookings.siteId, siteId), eq(bookings.id, bookingId)))
        .returning({ id: bookings.id });
      // Thrown inside, so that no version is recorded for nothing.
      if (removed.length === 0) throw new BookingNotFoundError(siteId, bookingId);
    });
  }

  async listBySite(siteId: string): Promise<BookingWithConnector[]> {
    const rows = await this.db
      .select(WITH_CONNECTOR)
      .from(bookings)
      .innerJoin(connectors, eq(connectors.id, bookings.connectorRef))
      .innerJoin(chargers, eq(chargers.id, connectors.chargerId))
      .where(eq(bookings.siteId, siteId))
      .orderBy(asc(bookings.arrivalFrom), asc(bookings.id));
    return rows.map(({ booking, ...connector }) => ({ ...booking, ...connector }));
  }

  /** An unclaimed booking of the connector whose arrival window overlaps [from, until). */
  async findOverlapping(connectorRef: string, from: Date, until: Date): Promise<BookingRow | undefined> {
    const [row] = await this.db
      .select()
      .from(bookings)
      .where(
        and(
          eq(bookings.connectorRef, connectorRef),
          isNull(bookings.transactionId),
          lt(bookings.arrivalFrom, until),
          gt(bookings.arrivalUntil, from),
        ),
      )
      .limit(1);
    return row;
  }

  /** Drops the bookings whose arrival window ended before `now`: claimed ones live on as session preferences. */
  async dropExpired(now: Date): Promise<number> {
    const dropped = await this.db
      .delete(bookings)
      .where(lte(bookings.arrivalUntil, now))
      .returning({ id: bookings.id });
    return dropped.length;
  }

  async openTransactionsOfCharger(chargerId: string): Promise<OpenTransaction[]> {
    return this.db
      .select({
        transactionId: transactions.id,
        connectorRef: transactions.connectorRef,
        startedAt: transactions.startedAt,
      })
      .from(transactions)
      .innerJoin(connectors, eq(connectors.id, transactions.connectorRef))
      .where(and(eq(connectors.chargerId, chargerId), isNull(transactions.stoppedAt)));
  }

  /**
   * Gives the transaction the earliest unclaimed booking of its connector whose window holds its start, at
   * most once: two instances (or a retried event) claiming together leave one winner. `apply` writes what the
   * booking means for the session in the same database transaction, so a crash never leaves a booking claimed
   * without its effect.
   */
  async claim(
    session: OpenTransaction,
    apply: (tx: Database, booking: BookingRow) => Promise<void>,
  ): Promise<BookingRow | undefined> {
    try {
      return await this.db.transaction(async (tx) => {
        const claimed = await claimIn(tx, session);
        if (claimed) await apply(tx, claimed);
        return claimed;
      });
    } catch (error) {
      // The unique index: another claim gave this transaction a booking meanwhile.
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }
}

async function claimIn(tx: Database, session: OpenTransaction): Promise<BookingRow | undefined> {
  const [already] = await tx
    .select({ id: bookings.id })
    .from(bookings)
    .where(eq(bookings.transactionId, session.transactionId));
  if (already) return undefined;
  const [candidate] = await tx
    .select()
    .from(bookings)
    .where(
      and(
        eq(bookings.connectorRef, session.connectorRef),
        isNull(bookings.transactionId),
        lte(bookings.arrivalFrom, session.startedAt),
        gt(bookings.arrivalUntil, session.startedAt),
      ),
    )
    .orderBy(asc(bookings.arrivalFrom), asc(bookings.id))
    .limit(1);
  if (!candidate) return undefined;
  const [claimed] = await tx
    .update(bookings)
    .set({ transactionId: session.transactionId })
    .where(and(eq(bookings.id, candidate.id), isNull(bookings.transactionId)))
    .returning();
  return claimed;
}
