import { Inject, Injectable } from '@nestjs/common';
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { DuplicateChargerIdentityError, isUniqueViolation } from './duplicate-charger';
import { assertValidSiteModel, PhaseAmps, SiteModel } from './site-model';

export type CircuitRow = typeof schema.circuits.$inferSelect;
export type SiteModelChangeRow = typeof schema.siteModelChanges.$inferSelect;

/** What a change of the model was and who made it, as recorded in the site's history. */
export interface ModelChange {
  actor: string;
  action: string;
  details: Record<string, unknown>;
}

export interface VersionedResult<T> {
  result: T;
  version: number;
  warnings: string[];
}

export class SiteNotFoundError extends Error {
  constructor(siteId: string) {
    super(`Site ${siteId} not found`);
  }
}

/**
 * Runs `write` as one new version of the site's model: the site row is locked by the version bump, the
 * model is validated as it stands after the write, and the change is recorded. An invalid model rolls back.
 */
export async function changeSiteModel<T>(
  db: Database,
  siteId: string,
  change: ModelChange,
  write: (tx: Database) => Promise<T>,
): Promise<VersionedResult<T>> {
  return db.transaction(async (tx) => {
    const [site] = await tx
      .update(schema.sites)
      .set({ modelVersion: sql`${schema.sites.modelVersion} + 1` })
      .where(eq(schema.sites.id, siteId))
      .returning({ version: schema.sites.modelVersion });
    if (!site) throw new SiteNotFoundError(siteId);
    const result = await write(tx);
    const warnings = assertValidSiteModel(await readSiteModel(tx, siteId));
    await tx.insert(schema.siteModelChanges).values({ siteId, version: site.version, ...change });
    return { result, version: site.version, warnings };
  });
}

/** Records the first version of a site created in the same transaction. */
export async function recordSiteCreated(tx: Database, siteId: string, change: ModelChange): Promise<void> {
  await tx.insert(schema.siteModelChanges).values({ siteId, version: 1, ...change });
}

export async function readSiteModel(db: Database, siteId: string): Promise<SiteModel> {
  const [site] = await db.select().from(schema.sites).where(eq(schema.sites.id, siteId));
  if (!site) throw new SiteNotFoundError(siteId);
  const circuits = await db.select().from(schema.circuits).where(eq(schema.circuits.siteId, siteId));
  const chargers = await db.select().from(schema.chargers).where(eq(schema.chargers.siteId, siteId));
  const connectors =
    chargers.length === 0
      ? []
      : await db
          .select()
          .from(schema.connectors)
          .where(
            inArray(
              schema.connectors.chargerId,
              chargers.map((c) => c.id),
            ),
          );
  return {
    gridLimitA: [site.limitL1A, site.limitL2A, site.limitL3A],
    circuits: circuits.map((c) => ({
      id: c.id,
      name: c.name,
      parentId: c.parentId,
      limitA: circuitLimit(c),
    })),
    chargers: chargers.map((charger) => ({
      identity: charger.identity,
      circuitId: charger.circuitId,
      maxCurrentA: charger.maxCurrentA,
      phaseRotation: charger.phaseRotation,
      connectors: connectors.filter((c) => c.chargerId === charger.id),
    })),
  };
}

export function circuitLimit(circuit: CircuitRow): PhaseAmps {
  return [circuit.limitL1A, circuit.limitL2A, circuit.limitL3A];
}

export interface CircuitFields {
  name: string;
  parentId: string | null;
  limitL1A: number;
  limitL2A: number;
  limitL3A: number;
  transformer?: schema.TransformerColumn | null;
}

export interface ImportedSite {
  site: typeof schema.sites.$inferInsert;
  circuits: (CircuitFields & { id: string })[];
  chargers: (Omit<typeof schema.chargers.$inferInsert, 'siteId'> & {
    connectors: Omit<typeof schema.connectors.$inferInsert, 'chargerId'>[];
  })[];
}

/** Circuits, the versioned history of a site's model, and its base-load meter readings. */
@Injectable()
export class SiteModelRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  readModel(siteId: string): Promise<SiteModel> {
    return readSiteModel(this.db, siteId);
  }

  listCircuits(siteId: string): Promise<CircuitRow[]> {
    return this.db
      .select()
      .from(schema.circuits)
      .where(eq(schema.circuits.siteId, siteId))
      .orderBy(asc(schema.circuits.createdAt), asc(schema.circuits.id));
  }

  async findCircuit(siteId: string, circuitId: string): Promise<CircuitRow | undefined> {
    const circuits = await this.listCircuits(siteId);
    return circuits.find((c) => c.id === circuitId);
  }

  createCircuit(
    siteId: string,
    fields: CircuitFields,
    change: ModelChange,
  ): Promise<VersionedResult<CircuitRow>> {
    return changeSiteModel(this.db, siteId, change, async (tx) => {
      const [row] = await tx
        .insert(schema.circuits)
        .values({ siteId, ...fields })
        .returning();
      return row;
    });
  }

  updateCircuit(
    siteId: string,
    circuitId: string,
    fields: CircuitFields,
    change: ModelChange,
  ): Promise<VersionedResult<CircuitRow>> {
    return changeSiteModel(this.db, siteId, change, async (tx) => {
      const [row] = await tx
        .update(schema.circuits)
        .set(fields)
        .where(eq(schema.circuits.id, circuitId))
        .returning();
      return row;
    });
  }

  /** Deletes a circuit with nothing under it; the caller checks that first. */
  deleteCircuit(siteId: string, circuitId: string, change: ModelChange): Promise<VersionedResult<void>> {
    return changeSiteModel(this.db, siteId, change, async (tx) => {
      await tx.delete(schema.circuits).where(eq(schema.circuits.id, circuitId));
    });
  }

  updateSite(
    siteId: string,
    fields: Partial<typeof schema.sites.$inferInsert>,
    change: ModelChange,
  ): Promise<VersionedResult<typeof schema.sites.$inferSelect>> {
    return changeSiteModel(this.db, siteId, change, async (tx) => {
      const [row] = await tx.update(schema.sites).set(fields).where(eq(schema.sites.id, siteId)).returning();
      return row;
    });
  }

  updateCharger(
    siteId: string,
    chargerId: string,
    fields: Partial<typeof schema.chargers.$inferInsert>,
    change: ModelChange,
  ): Promise<VersionedResult<void>> {
    return changeSiteModel(this.db, siteId, change, async (tx) => {
      await tx.update(schema.chargers).set(fields).where(eq(schema.chargers.id, chargerId));
    });
  }

  updateConnector(
    siteId: string,
    connectorRef: string,
    fields: Partial<typeof schema.connectors.$inferInsert>,
    change: ModelChange,
  ): Promise<VersionedResult<void>> {
    return changeSiteModel(this.db, siteId, change, async (tx) => {
      await tx.update(schema.connectors).set(fields).where(eq(schema.connectors.id, connectorRef));
    });
  }

  /**
   * A measurement, not a configuration change: it is not versioned. A reading older than the one kept
   * (delivered late) is ignored; returns whether it was kept.
   */
  async recordBaseLoadReading(siteId: string, currentA: PhaseAmps, measuredAt: Date): Promise<boolean> {
    const { meteredBaseLoadAt } = schema.sites;
    const rows = await this.db
      .update(schema.sites)
      .set({ meteredBaseLoadA: [...currentA], meteredBaseLoadAt: measuredAt })
      .where(
        and(eq(schema.sites.id, siteId), or(isNull(meteredBaseLoadAt), lt(meteredBaseLoadAt, measuredAt))),
      )
      .returning({ id: schema.sites.id });
    return rows.length > 0;
  }

  /**
   * Creates a whole site in one transaction, validated as it stands once written: an invalid model or a
   * duplicate charger identity leaves nothing behind. `alsoWrite` adds what other libraries keep of the
   * site (its schedules) in the same transaction. Returns the new site's id and the model's warnings.
   */
  importSite(
    imported: ImportedSite,
    change: ModelChange,
    alsoWrite: (tx: Database, siteId: string) => Promise<void> = () => Promise.resolve(),
  ): Promise<{ siteId: string; warnings: string[] }> {
    return this.db.transaction(async (tx) => {
      const [site] = await tx.insert(schema.sites).values(imported.site).returning();
      if (imported.circuits.length > 0) {
        await tx.insert(schema.circuits).values(imported.circuits.map((c) => ({ ...c, siteId: site.id })));
      }
      for (const { connectors, ...charger } of imported.chargers) {
        const [row] = await tx
          .insert(schema.chargers)
          .values({ ...charger, siteId: site.id })
          .returning()
          .catch((error: unknown) => {
            throw isUniqueViolation(error) ? new DuplicateChargerIdentityError(charger.identity) : error;
          });
        await tx.insert(schema.connectors).values(connectors.map((c) => ({ ...c, chargerId: row.id })));
      }
      await alsoWrite(tx, site.id);
      const warnings = assertValidSiteModel(await readSiteModel(tx, site.id));
      await recordSiteCreated(tx, site.id, change);
      return { siteId: site.id, warnings };
    });
  }

  listChanges(siteId: string): Promise<SiteModelChangeRow[]> {
    return this.db
      .select()
      .from(schema.siteModelChanges)
      .where(eq(schema.siteModelChanges.siteId, siteId))
      .orderBy(desc(schema.siteModelChanges.version));
  }
}
