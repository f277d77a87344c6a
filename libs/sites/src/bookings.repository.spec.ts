import { eq } from 'drizzle-orm';
import { insertCharger } from '@gridflex/ocpp/testing';
import { schema } from '@gridflex/persistence';
import { TEST_DATABASE_ENGINES, TestDatabase } from '@gridflex/persistence/testing';
import { BookingsRepository } from './bookings.repository';

describe.each(TEST_DATABASE_ENGINES)('claiming a booking on %s', (_engine, createDatabase) => {
  let database: TestDatabase;
  let bookings: BookingsRepository;

  beforeAll(async () => {
    database = await createDatabase();
    bookings = new BookingsRepository(database.db);
  });
  afterAll(() => database.close());

  it('claims the booking and writes its effect together, or neither when the effect fails', async () => {
    const { db } = database;
    const fixture = await insertCharger(db, { identity: 'CP-B1', connectorIds: [1] });
    const connectorRef = fixture.connectorRefs.get(1)!;
    const startedAt = new Date('2026-03-01T10:00:00Z');
    const [booking] = await db
      .insert(schema.connectorBookings)
      .values({
        siteId: fixture.siteId,
        connectorRef,
        arrivalFrom: new Date('2026-03-01T09:00:00Z'),
        arrivalUntil: new Date('2026-03-01T11:00:00Z'),
        energyWantedWh: 10_000,
        createdBy: 'cpo',
      })
      .returning();
    const [open] = await db
      .insert(schema.transactions)
      .values({ connectorRef, idTag: 'T', meterStartWh: 0, startedAt })
      .returning();
    const session = { transactionId: open.id, connectorRef, startedAt };
    const claimedBy = async () =>
      (await db.select().from(schema.connectorBookings).where(eq(schema.connectorBookings.id, booking.id)))[0]
        .transactionId;

    await expect(
      bookings.claim(session, () => Promise.reject(new Error('crash between claim and preferences'))),
    ).rejects.toThrow('crash between');
    expect(await claimedBy()).toBeNull();

    const applied: string[] = [];
    const claimed = await bookings.claim(session, async (tx, row) => {
      await tx
        .insert(schema.sessionPreferences)
        .values({ transactionId: open.id, energyWantedWh: row.energyWantedWh, updatedBy: 'booking' });
      applied.push(row.id);
    });
    expect(claimed?.id).toBe(booking.id);
    expect(applied).toEqual([booking.id]);
    expect(await claimedBy()).toBe(open.id);
    // Once only: the same session claims nothing more.
    expect(await bookings.claim(session, () => Promise.resolve())).toBeUndefined();
  });
});
