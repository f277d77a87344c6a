import { Inject, Injectable } from '@nestjs/common';
import { and, asc, count, eq, inArray, isNull } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { DuplicateChargerIdentityError, isUniqueViolation } from './duplicate-charger';
import { wishSource, WishSourceView } from './session-preferences.repository';
import { changeSiteModel, ModelChange, VersionedResult } from './site-model.repository';

export { DuplicateChargerIdentityError } from './duplicate-charger';

export type ChargerRow = typeof schema.chargers.$inferSelect;
export type ConnectorRow = typeof schema.connectors.$inferSelect;
/** `wishSource`: who told the running session's wish; null when no session runs on the connector. */
export type ConnectorWithSession = ConnectorRow & { wishSource: WishSourceView | null };
/** `queuedMessages`: proxy mode, the charger's messages waiting in the outbox for its upstream. */
export type ChargerWithConnectors = ChargerRow & {
  connectors: ConnectorWithSession[];
  queuedMessages: number;
};

export interface NewCharger {
  siteId: string;
  identity: string;
  passwordHash: string | null;
  ocppVersion: string;
  upstreamUrl?: string | null;
  upstreamPassword?: string | null;
  circuitId?: string | null;
  maxCurrentA?: number | null;
  phaseRotation?: schema.GridPhase[];
  smartChargingExcluded?: boolean;
  connectors: {
    connectorId: number;
    maxCurrentA: number;
    phases: number;
    lineToLine?: schema.LinePair | null;
    minCurrentA?: number;
    priority?: number;
  }[];
}

@Injectable()
export class ChargersRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Registers a charger and its connectors atomically, as a new version of the site's model. */
  async create(charger: NewCharger, change: ModelChange): Promise<VersionedResult<ChargerWithConnectors>> {
    const { connectors: newConnectors, ...fields } = charger;
    try {
      return await changeSiteModel(this.db, charger.siteId, change, async (tx) => {
        const [row] = await tx.insert(schema.chargers).values(fields).returning();
        const connectors = await tx
          .insert(schema.connectors)
          .values(newConnectors.map((c) => ({ ...c, chargerId: row.id })))
          .returning();
        const sorted = connectors.sort((a, b) => a.connectorId - b.connectorId);
        return { ...row, connectors: sorted.map((c) => ({ ...c, wishSource: null })), queuedMessages: 0 };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateChargerIdentityError(charger.identity);
      throw error;
    }
  }

  async listBySite(siteId: string): Promise<ChargerWithConnectors[]> {
    const chargers = await this.db
      .select()
      .from(schema.chargers)
      .where(eq(schema.chargers.siteId, siteId))
      .orderBy(asc(schema.chargers.identity));
    if (chargers.length === 0) return [];
    const connectors = await this.db
      .select()
      .from(schema.connectors)
      .where(
        inArray(
          schema.connectors.chargerId,
          chargers.map((c) => c.id),
        ),
      )
      .orderBy(asc(schema.connectors.connectorId));
    const sources = await this.wishSources(connectors.map((c) => c.id));
    const queued = await this.queuedMessages(chargers.map((c) => c.id));
    return chargers.map((charger) => ({
      ...charger,
      connectors: connectors
        .filter((c) => c.chargerId === charger.id)
        .map((c) => ({ ...c, wishSource: sources.get(c.id) ?? null })),
      queuedMessages: queued.get(charger.id) ?? 0,
    }));
  }

  /** How many messages of each charger wait in the outbox; chargers with none are absent. */
  private async queuedMessages(chargerIds: string[]): Promise<Map<string, number>> {
    const { upstreamOutbox: outbox } = schema;
    const rows = await this.db
      .select({ chargerId: outbox.chargerId, count: count() })
      .from(outbox)
      .where(inArray(outbox.chargerId, chargerIds))
      .groupBy(outbox.chargerId);
    return new Map(rows.map((row) => [row.chargerId, row.count]));
  }

  /** Who told the wish of the session running on each connector; connectors without a session are absent. */
  private async wishSources(connectorRefs: string[]): Promise<Map<string, WishSourceView>> {
    if (connectorRefs.length === 0) return new Map();
    const { sessionPreferences: preferences, transactions } = schema;
    const open = await this.db
      .select({
        connectorRef: transactions.connectorRef,
        source: preferences.source,
        energyWantedWh: preferences.energyWantedWh,
        departureAt: preferences.departureAt,
      })
      .from(transactions)
      .leftJoin(preferences, eq(preferences.transactionId, transactions.id))
      .where(and(inArray(transactions.connectorRef, connectorRefs), isNull(transactions.stoppedAt)));
    return new Map(
      open.map(({ connectorRef, source, energyWantedWh, departureAt }) => [
        connectorRef,
        wishSource(source === null ? undefined : { source, energyWantedWh, departureAt }),
      ]),
    );
  }
}
