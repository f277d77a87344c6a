import { Inject, Injectable } from '@nestjs/common';
import { asc, eq } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';

export type SiteRow = typeof schema.sites.$inferSelect;
export type NewSite = typeof schema.sites.$inferInsert;

@Injectable()
export class SitesRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async create(site: NewSite): Promise<SiteRow> {
    const [row] = await this.db.insert(schema.sites).values(site).returning();
    return row;
  }

  async findById(id: string): Promise<SiteRow | undefined> {
    const [row] = await this.db.select().from(schema.sites).where(eq(schema.sites.id, id));
    return row;
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

  async updateGroup(id: string, groupId: string | null): Promise<SiteRow | undefined> {
    const [row] = await this.db
      .update(schema.sites)
      .set({ groupId })
      .where(eq(schema.sites.id, id))
      .returning();
    return row;
  }
}
