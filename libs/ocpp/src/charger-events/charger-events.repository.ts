import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, lt, SQL } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';

const { chargerEvents } = schema;

/**
 * Events kept per charger and kind: the oldest go as new ones come, so that a chatty charger cannot fill the
 * disk, nor a long device report push its security events out.
 */
export const CHARGER_EVENTS_KEPT = 1000;

export type NewChargerEvent = Omit<typeof chargerEvents.$inferInsert, 'id'>;
export type ChargerEvent = typeof chargerEvents.$inferSelect;

export interface ChargerEventsPage {
  kind?: string;
  /** Only events older than this id (the `next` of the previous page). */
  before?: number;
  limit: number;
}

@Injectable()
export class ChargerEventsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Stores the event and forgets the charger's events of its kind beyond the newest `CHARGER_EVENTS_KEPT`. */
  async record(event: NewChargerEvent): Promise<void> {
    await this.db.insert(chargerEvents).values(event);
    const sameKind = and(eq(chargerEvents.chargerId, event.chargerId), eq(chargerEvents.kind, event.kind));
    const oldestKept = this.db
      .select({ id: chargerEvents.id })
      .from(chargerEvents)
      .where(sameKind)
      .orderBy(desc(chargerEvents.id))
      .offset(CHARGER_EVENTS_KEPT - 1)
      .limit(1);
    await this.db.delete(chargerEvents).where(and(sameKind, lt(chargerEvents.id, oldestKept)));
  }

  /** The charger's events, newest first. */
  list(chargerId: string, page: ChargerEventsPage): Promise<ChargerEvent[]> {
    const conditions: SQL[] = [eq(chargerEvents.chargerId, chargerId)];
    if (page.kind !== undefined) conditions.push(eq(chargerEvents.kind, page.kind));
    if (page.before !== undefined) conditions.push(lt(chargerEvents.id, page.before));
    return this.db
      .select()
      .from(chargerEvents)
      .where(and(...conditions))
      .orderBy(desc(chargerEvents.id))
      .limit(page.limit);
  }
}
