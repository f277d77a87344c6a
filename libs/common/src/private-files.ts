import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Created from now on: directories 0700, files 0600, whatever umask the process was started with. */
const OWNER_ONLY_UMASK = 0o077;
const PRIVATE_DIR_MODE = 0o700;
const PRIVATE_FILE_MODE = 0o600;

/**
 * Makes `dir` (created if missing) and everything in it readable and writable by our user alone, and the
 * process umask owner-only, so that files created later with default modes are private too: other local
 * users must not read credentials' hashes nor swap them. Only for a directory that is ours alone
 * (PGlite's data): it recurses. Symbolic links are left alone.
 */
export function makePrivateDirectory(dir: string): void {
  process.umask(OWNER_ONLY_UMASK);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  restrictTree(dir);
}

function restrictTree(path: string): void {
  const stats = lstatSync(path);
  if (stats.isDirectory()) {
    chmodSync(path, PRIVATE_DIR_MODE);
    for (const entry of readdirSync(path)) restrictTree(join(path, entry));
  } else if (stats.isFile()) {
    chmodSync(path, PRIVATE_FILE_MODE);
  }
}

/**
 * A file we wrote earlier (a generated key) made 0600 when it is readable or writable by others, as
 * versions before this one left it under a lax umask. A file of another user is the operator's to set.
 */
export function makePrivateFile(file: string): void {
  const stats = statSync(file);
  if ((stats.mode & 0o077) !== 0 && stats.uid === process.getuid?.()) chmodSync(file, PRIVATE_FILE_MODE);
}
