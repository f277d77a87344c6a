import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { asc, eq, sql } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { changeSiteModel, ModelChange, recordSiteCreated, VersionedResult } from './site-model.repository';

export type SiteRow = typeof schema.sites.$inferSelect;
export type NewSite = typeof schema.sites.$inferInsert;

@Injectable()
export class SitesRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  create(site: NewSite, change: ModelChange): Promise<SiteRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.insert(schema.sites).values(site).returning();
      await recordSiteCreated(tx, row.id, change);
      return row;
    });
  }

  async findById(id: string): Promise<SiteRow | undefined> {
    const [row] = await this.db.select().from(schema.sites).where(eq(schema.sites.id, id));
    return row;
  }

  /** The site, for a request naming it: a NotFoundException (404) when there is none. */
  async getById(id: string): Promise<SiteRow> {
    const site = await this.findById(id);
    if (!site) throw new NotFoundException(`Site ${id} not found`);
    return site;
  }

  /** What the site may draw on its DSO's fallback capacity (null: no DSO limits it); see the column. */
  async setFallbackLimits(id: string, limitsA: [number, number, number] | null): Promise<void> {
    await this.db.update(schema.sites).set({ fallbackLimitsA: limitsA }).where(eq(schema.sites.id, id));
  }

  /**
   * Stores each charger's fail-safe share (chargerId → A per phase; see the column) in one statement.
   * @returns the chargers whose share changed
   */
  async setFailSafeShares(shares: Map<string, number>): Promise<string[]> {
    if (shares.size === 0) return [];
    const { chargers } = schema;
    const values = JSON.stringify([...shares].map(([id, share]) => ({ id, share })));
    const rows = await this.db
      .update(chargers)
      .set({ failSafeShareA: sql`v.share` })
      .from(sql`json_to_recordset(${values}::json) as v(id uuid, share float8)`)
      .where(sql`${chargers.id} = v.id and ${chargers.failSafeShareA} is distinct from v.share`)
      .returning({ id: chargers.id });
    return rows.map((row) => row.id);
  }

  list(): Promise<SiteRow[]> {
    return this.db.select().from(schema.sites).orderBy(asc(schema.sites.createdAt), asc(schema.sites.id));
  }

  listByGroup(groupId: string): Promise<SiteRow[]> {
    return this.db
      .select()
      .from(schema.sites)
      .where(eq(schema.sites.groupId, groupId))
      .orderBy(asc(schema.sites.createdAt), asc(schema.sites.id));
  }

  updateGroup(id: string, groupId: string | null, change: ModelChange): Promise<VersionedResult<SiteRow>> {
    return changeSiteModel(this.db, id, change, async (tx) => {
      const [row] = await tx.update(schema.sites).set({ groupId }).where(eq(schema.sites.id, id)).returning();
      return row;
    });
  }
}
