import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';

export type SessionPreferencesRow = typeof schema.sessionPreferences.$inferSelect;

/** Who told a session's energy wanted and departure; `default`: nobody, so planning assumes `PLANNING_DEFAULT_*`. */
export type WishSourceView = schema.WishSource | 'default';

export function wishSource(
  row: Pick<SessionPreferencesRow, 'source' | 'energyWantedWh' | 'departureAt'> | undefined,
): WishSourceView {
  if (!row || (row.energyWantedWh === null && row.departureAt === null)) return 'default';
  return row.source;
}

export interface SessionPreferencesChange {
  priority?: number | null;
  energyWantedWh?: number | null;
  departureAt?: Date | null;
  updatedBy: string;
  source?: schema.WishSource;
  evMinCurrentA?: number | null;
  evMaxCurrentA?: number | null;
  evMaxPowerW?: number | null;
  evPhases?: number | null;
}

/** Preferences of running sessions, keyed by the transaction they belong to. */
@Injectable()
export class SessionPreferencesRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** The open transaction on a connector of the charger, or undefined when no session runs there. */
  async openTransactionId(chargerId: string, connectorId: number): Promise<number | undefined> {
    const [row] = await this.db
      .select({ id: schema.transactions.id })
      .from(schema.transactions)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.transactions.connectorRef))
      .where(
        and(
          eq(schema.connectors.chargerId, chargerId),
          eq(schema.connectors.connectorId, connectorId),
          isNull(schema.transactions.stoppedAt),
        ),
      )
      .orderBy(desc(schema.transactions.startedAt))
      .limit(1);
    return row?.id;
  }

  async find(transactionId: number): Promise<SessionPreferencesRow | undefined> {
    const [row] = await this.db
      .select()
      .from(schema.sessionPreferences)
      .where(eq(schema.sessionPreferences.transactionId, transactionId));
    return row;
  }

  /** Merges the change into what is stored: properties left undefined keep their value. */
  /** `db` may be a transaction that writes more along with the preferences. */
  async upsert(
    transactionId: number,
    change: SessionPreferencesChange,
    db: Database = this.db,
  ): Promise<SessionPreferencesRow> {
    const values = { ...change, updatedAt: new Date() };
    const [row] = await db
      .insert(schema.sessionPreferences)
      .values({ transactionId, ...values })
      .onConflictDoUpdate({ target: schema.sessionPreferences.transactionId, set: values })
      .returning();
    return row;
  }
}
