import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { changeSiteModel, ModelChange } from '@gridflex/sites';

export type PeakShavingRuleRow = typeof schema.peakShavingRules.$inferSelect;
export type TariffRow = typeof schema.tariffWindows.$inferSelect;
type NewRule = Omit<typeof schema.peakShavingRules.$inferInsert, 'siteId'>;
type NewTariff = Omit<typeof schema.tariffWindows.$inferInsert, 'siteId'>;

/** Peak-shaving rules and tariff windows; every change is a version of the site's model. */
@Injectable()
export class SchedulesRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  rulesOfSites(siteIds: string[]): Promise<PeakShavingRuleRow[]> {
    if (siteIds.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(schema.peakShavingRules)
      .where(inArray(schema.peakShavingRules.siteId, siteIds))
      .orderBy(asc(schema.peakShavingRules.createdAt), asc(schema.peakShavingRules.id));
  }

  tariffsOfSites(siteIds: string[]): Promise<TariffRow[]> {
    if (siteIds.length === 0) return Promise.resolve([]);
    return this.db
      .select()
      .from(schema.tariffWindows)
      .where(inArray(schema.tariffWindows.siteId, siteIds))
      .orderBy(asc(schema.tariffWindows.createdAt), asc(schema.tariffWindows.id));
  }

  async addRule(siteId: string, rule: NewRule, change: ModelChange): Promise<PeakShavingRuleRow> {
    const { result } = await changeSiteModel(this.db, siteId, change, async (tx) => {
      const [row] = await tx
        .insert(schema.peakShavingRules)
        .values({ ...rule, siteId })
        .returning();
      return row;
    });
    return result;
  }

  async addTariff(siteId: string, tariff: NewTariff, change: ModelChange): Promise<TariffRow> {
    const { result } = await changeSiteModel(this.db, siteId, change, async (tx) => {
      const [row] = await tx
        .insert(schema.tariffWindows)
        .values({ ...tariff, siteId })
        .returning();
      return row;
    });
    return result;
  }

  /** Writes a site's windows inside a transaction the caller holds (a whole-site import). */
  async writeWindows(tx: Database, siteId: string, rules: NewRule[], tariffs: NewTariff[]): Promise<void> {
    if (rules.length > 0)
      await tx.insert(schema.peakShavingRules).values(rules.map((r) => ({ ...r, siteId })));
    if (tariffs.length > 0)
      await tx.insert(schema.tariffWindows).values(tariffs.map((t) => ({ ...t, siteId })));
  }

  /** Returns whether a rule of the site was removed. */
  async removeRule(siteId: string, ruleId: string, change: ModelChange): Promise<boolean> {
    const { result } = await changeSiteModel(this.db, siteId, change, async (tx) => {
      const rows = await tx
        .delete(schema.peakShavingRules)
        .where(and(eq(schema.peakShavingRules.siteId, siteId), eq(schema.peakShavingRules.id, ruleId)))
        .returning({ id: schema.peakShavingRules.id });
      if (rows.length === 0) throw new ScheduleEntryNotFoundError(`Peak-shaving rule ${ruleId} not found`);
      return true;
    });
    return result;
  }

  async removeTariff(siteId: string, tariffId: string, change: ModelChange): Promise<boolean> {
    const { result } = await changeSiteModel(this.db, siteId, change, async (tx) => {
      const rows = await tx
        .delete(schema.tariffWindows)
        .where(and(eq(schema.tariffWindows.siteId, siteId), eq(schema.tariffWindows.id, tariffId)))
        .returning({ id: schema.tariffWindows.id });
      if (rows.length === 0) throw new ScheduleEntryNotFoundError(`Tariff ${tariffId} not found`);
      return true;
    });
    return result;
  }
}

/** Thrown inside the versioned change, so that a miss records no version. */
export class ScheduleEntryNotFoundError extends Error {}
