import { openAsBlob } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { Pool } from 'pg';
import { Logger } from '@nestjs/common';
import { makePrivateDirectory } from '@gridflex/common';
import * as schema from './schema';

const logger = new Logger('Database');

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL; when absent the embedded PGlite is used. */
  databaseUrl?: string;
  /** Connections of the PostgreSQL pool (10 when not given); PGlite has one. */
  poolSize?: number;
  /** PGlite data directory, or `memory://` for a throw-away database. */
  pgliteDataDir: string;
  /**
   * A PGlite dump (`dumpDataDir` tarball) a `memory://` database starts from instead of an empty cluster: it
   * skips initdb, and migrations then apply only what the dump lacks.
   */
  pgliteTemplateFile?: string;
}

export const MIGRATIONS_FOLDER = join(__dirname, '..', 'migrations');

/** Arbitrary but fixed key: instances starting together apply migrations one at a time. */
const MIGRATION_LOCK_KEY = 727_2002;

/** Opens the configured database and applies every pending migration before returning. */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10)
    : openPglite(options.pgliteDataDir, options.pgliteTemplateFile);
}

async function openPostgres(url: string, poolSize: number): Promise<DatabaseHandle> {
  const pool = new Pool({ connectionString: url, max: poolSize });
  // An idle client losing its server (restart, failover) must not crash the process; the pool reconnects.
  pool.on('error', (error) => logger.warn(`PostgreSQL connection lost: ${error.message}`));
  const db = drizzlePg(pool, { schema });
  const lockClient = await pool.connect();
  try {
    await lockClient.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await migratePg(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await lockClient.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    lockClient.release();
  }
  return { db: db as unknown as Database, kind: 'postgres', close: () => pool.end() };
}

async function openPglite(dataDir: string, templateFile?: string): Promise<DatabaseHandle> {
  const makePrivate = () => {
    if (!dataDir.startsWith('memory://')) makePrivateDirectory(dataDir);
  };
  // The directory is made 0700 before PGlite opens: that alone keeps other users out. PGlite chmods the files it
  // writes to 0666 itself, whatever the umask, so they are made 0600 again once it is open and once it is closed.
  makePrivate();
  const loadDataDir = templateFile === undefined ? undefined : await openAsBlob(templateFile);
  const client = await PGlite.create(dataDir, { loadDataDir });
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_FOLDER });
  makePrivate();
  const close = async () => {
    await client.close();
    makePrivate();
  };
  return { db: db as unknown as Database, kind: 'pglite', close };
}

/** A cheap round trip, for readiness checks. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
