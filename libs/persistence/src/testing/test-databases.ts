import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DatabaseHandle, openDatabase } from '../database';
import { pgliteTemplateFile } from './pglite-template';

/** The server the test suite uses; PostgreSQL runs there on every development machine and in CI. */
export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends DatabaseHandle {
  /** Drops whatever the database holds; called by `close()` as well. */
  close(): Promise<void>;
}

/** A fresh, migrated embedded database, in memory, loaded from the migrated template. */
export async function createPgliteTestDatabase(): Promise<TestDatabase> {
  return openDatabase({ pgliteDataDir: 'memory://', pgliteTemplateFile: await pgliteTemplateFile() });
}

/** A fresh, migrated database of its own on the real PostgreSQL server, dropped on close. */
export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const name = `gridflex_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), pgliteDataDir: 'memory://' });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * An empty database of its own on the real PostgreSQL server, for several controller instances to share
 * (the first one to start migrates it); `drop` removes it.
 */
export async function createSharedPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gridflex_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Both engines the product supports, for `describe.each` in repository tests. */
export const TEST_DATABASE_ENGINES = [
  ['PGlite', createPgliteTestDatabase],
  ['PostgreSQL', createPostgresTestDatabase],
] as const;
