import { Inject, Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { DATABASE, Database, LimitWarningsState, schema } from '@gridflex/persistence';

const { limitWarnings } = schema;

/** The planner's warnings about limits it cannot keep, per planning scope (`group:<id>`, `site:<id>`). */
@Injectable()
export class LimitWarningsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async find(scopeKey: string): Promise<LimitWarningsState | null> {
    const [row] = await this.db
      .select({ state: limitWarnings.state })
      .from(limitWarnings)
      .where(eq(limitWarnings.scopeKey, scopeKey));
    return row?.state ?? null;
  }

  /** Every scope's state, by scope key. */
  async all(): Promise<Map<string, LimitWarningsState>> {
    const rows = await this.db.select().from(limitWarnings);
    return new Map(rows.map((row) => [row.scopeKey, row.state]));
  }

  /** A scope with nothing to warn about keeps no row. */
  async save(scopeKey: string, state: LimitWarningsState, now: Date): Promise<void> {
    if (state.nodes.length === 0 && state.dso === null) {
      await this.db.delete(limitWarnings).where(eq(limitWarnings.scopeKey, scopeKey));
      return;
    }
    await this.db
      .insert(limitWarnings)
      .values({ scopeKey, state, updatedAt: now })
      .onConflictDoUpdate({ target: limitWarnings.scopeKey, set: { state, updatedAt: now } });
  }

  /** How many nodes are infeasible now, by kind (group, site, circuit). */
  async countNodes(): Promise<Map<string, number>> {
    const rows = await this.db
      .select({
        kind: sql<string>`node->>'kind'`,
        count: sql<number>`count(*)`.mapWith(Number),
      })
      .from(sql`${limitWarnings}, jsonb_array_elements(${limitWarnings.state}->'nodes') as node`)
      .groupBy(sql`node->>'kind'`);
    return new Map(rows.map((row) => [row.kind, row.count]));
  }
}
