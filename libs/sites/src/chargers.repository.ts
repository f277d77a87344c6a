import { Inject, Injectable } from '@nestjs/common';
import { asc, eq, inArray } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';

export type ChargerRow = typeof schema.chargers.$inferSelect;
export type ConnectorRow = typeof schema.connectors.$inferSelect;
export type ChargerWithConnectors = ChargerRow & { connectors: ConnectorRow[] };

export interface NewCharger {
  siteId: string;
  identity: string;
  passwordHash: string | null;
  ocppVersion: string;
  connectors: { connectorId: number; maxCurrentA: number; phases: number }[];
}

export class DuplicateChargerIdentityError extends Error {
  constructor(identity: string) {
    super(`A charger with identity "${identity}" is already registered`);
  }
}

const UNIQUE_VIOLATION = '23505';

function isUniqueViolation(error: unknown): boolean {
  const candidates = [error, (error as { cause?: unknown })?.cause];
  return candidates.some((e) => (e as { code?: string } | undefined)?.code === UNIQUE_VIOLATION);
}

@Injectable()
export class ChargersRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Registers a charger and its connectors atomically. */
  async create(charger: NewCharger): Promise<ChargerWithConnectors> {
    try {
      return await this.db.transaction(async (tx) => {
        const [row] = await tx
          .insert(schema.chargers)
          .values({
            siteId: charger.siteId,
            identity: charger.identity,
            passwordHash: charger.passwordHash,
            ocppVersion: charger.ocppVersion,
          })
          .returning();
        const connectors = await tx
          .insert(schema.connectors)
          .values(charger.connectors.map((c) => ({ ...c, chargerId: row.id })))
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
