import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { makePrivateFile } from './private-files';

export interface AdminApiKeySource {
  key: string;
  /** Where a generated key was stored, so operators can find it; absent when configured. */
  generatedFile?: string;
}

/**
 * The configured key, or, when none is configured, one generated once and kept in `file` (mode
 * 0600, a directory it creates 0700; an earlier file of ours readable to others is made 0600): the admin API
 * is never open, and `npm start` still needs no configuration.
 */
export function resolveAdminApiKey(configured: string | undefined, file: string): AdminApiKeySource {
  if (configured) return { key: configured };
  if (existsSync(file)) {
    makePrivateFile(file);
    return { key: readFileSync(file, 'utf8').trim(), generatedFile: file };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generatedFile: file };
}
