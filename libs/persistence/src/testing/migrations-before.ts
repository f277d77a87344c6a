import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
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
