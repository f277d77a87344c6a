import { Inject, Injectable } from '@nestjs/common';
import { asc, eq, inArray } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { DuplicateChargerIdentityError, isUniqueViolation } from './duplicate-charger';
import { changeSiteModel, ModelChange, VersionedResult } from './site-model.repository';

export { DuplicateChargerIdentityError } from './duplicate-charger';

export type ChargerRow = typeof schema.chargers.$inferSelect;
export type ConnectorRow = typeof schema.connectors.$inferSelect;
export type ChargerWithConnectors = ChargerRow & { connectors: ConnectorRow[] };

export interface NewCharger {
  siteId: string;
  identity: string;
  passwordHash: string | null;
  ocppVersion: string;
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
        return { ...row, connectors: connectors.sort((a, b) => a.connectorId - b.connectorId) };
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
    return chargers.map((charger) => ({
      ...charger,
      connectors: connectors.filter((c) => c.chargerId === charger.id),
    }));
  }
}
