import { sql } from 'drizzle-orm';
import { MIGRATIONS_FOLDER, openDatabase } from './database';
import { TEST_DATABASE_ENGINES } from '@gridflex/persistence/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function journalEntries(): number {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/** Both drivers return `{ rows }`, which the shared Database type does not express. */
function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

describe.each(TEST_DATABASE_ENGINES)('database on %s', (_engine, create) => {
  it('applies every migration and records it once', async () => {
    const handle = await create();
    try {
      const tables = await handle.db.execute<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
      );
      const names = rowsOf<{ table_name: string }>(tables).map((r) => r.table_name);
      expect(names).toEqual(
        expect.arrayContaining(['sites', 'chargers', 'connectors', 'transactions', 'capacity_forecasts']),
      );
      const applied = await handle.db.execute(
        sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
      );
      expect(rowsOf(applied)).toEqual([{ count: journalEntries() }]);
    } finally {
      await handle.close();
    }
  });
});

describe('PGlite on disk', () => {
  it('keeps data across a restart and re-applies no migration', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridflex-pglite-'));
    try {
      const first = await openDatabase({ pgliteDataDir: dir });
      await first.db.execute(sql`insert into dso_peers (name, token_hash) values ('dso', 'h')`);
      await first.close();
      const second = await openDatabase({ pgliteDataDir: dir });
      const rows = await second.db.execute(sql`select name from dso_peers`);
      expect(rowsOf(rows)).toEqual([{ name: 'dso' }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
