import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { MIGRATIONS_FOLDER } from '../database';

/**
 * A dump of a PGlite cluster with every migration applied, for `PGLITE_TEMPLATE_FILE`: a test database loaded
 * from it skips initdb and the migrations, seconds per database. Built once per set of migrations and PGlite
 * version (named by their digest, so a new migration builds a new one) and shared by every test file and run.
 */
export async function pgliteTemplateFile(): Promise<string> {
  const file = join(tmpdir(), `gridflex-pglite-template-${migrationsDigest()}.tar`);
  if (!existsSync(file)) await buildTemplate(file);
  return file;
}

async function buildTemplate(file: string): Promise<void> {
  const client = await PGlite.create('memory://');
  try {
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
    const dump = await client.dumpDataDir('none');
    // Written aside, then renamed: a test file building it at the same time never reads half a dump.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
  } finally {
    await client.close();
  }
}

function migrationsDigest(): string {
  const hash = createHash('sha256');
  // The package's own manifest: its exports map hides it from require.resolve.
  hash.update(readFileSync(join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json')));
  for (const name of filesUnder(MIGRATIONS_FOLDER)) hash.update(name).update(readFileSync(name));
  return hash.digest('hex').slice(0, 16);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? filesUnder(path) : [path];
    });
}
