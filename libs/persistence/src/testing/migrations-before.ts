import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle, type PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_FOLDER } from '../database';

/**
 * A copy of the migrations that ends just before `tag`: the schema an existing installation has. The
 * caller removes the folder when done.
 */
export function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gridflex-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((entry) => entry.tag === tag);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  return dir;
}

/**
 * Migration `tag` on an existing installation: a fresh database migrated up to just before it, filled by
 * `seed`, then migrated to the end and handed to `check`.
 */
export async function acrossMigration(
  tag: string,
  seed: (db: PgliteDatabase) => Promise<void>,
  check: (client: PGlite) => Promise<void>,
): Promise<void> {
  const before = migrationsBefore(tag);
  const client = await PGlite.create('memory://');
  try {
    const db = drizzle(client);
    await migrate(db, { migrationsFolder: before });
    await seed(db);
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    await check(client);
  } finally {
    await client.close();
    rmSync(before, { recursive: true, force: true });
  }
}

/** The ids of what `seedDepot` inserts: the specs name them in the rows they add. */
const DEPOT_SEED = {
  siteId: '00000000-0000-4000-8000-00000000000a',
  chargerId: '00000000-0000-4000-8000-00000000000b',
  connectorRef: '00000000-0000-4000-8000-00000000000c',
} as const;

/**
 * What most migration specs seed first: the site 'Depot', with (`upTo`) its 1.6 charger CS-1 and that charger's
 * connector 1.
 */
export async function seedDepot(
  db: PgliteDatabase,
  upTo: 'site' | 'charger' | 'connector' = 'connector',
): Promise<void> {
  await db.execute(sql`
    insert into sites (id, name, nominal_voltage_v, limit_l1_a, limit_l2_a, limit_l3_a)
      values (${DEPOT_SEED.siteId}, 'Depot', 230, 63, 63, 63)`);
  if (upTo === 'site') return;
  await db.execute(sql`
    insert into chargers (id, site_id, identity, ocpp_version)
      values (${DEPOT_SEED.chargerId}, ${DEPOT_SEED.siteId}, 'CS-1', '1.6')`);
  if (upTo === 'charger') return;
  await db.execute(sql`
    insert into connectors (id, charger_id, connector_id, max_current_a, phases)
      values (${DEPOT_SEED.connectorRef}, ${DEPOT_SEED.chargerId}, 1, 32, 3)`);
}
