import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface AdminApiKeySource {
  key: string;
  /** Where a generated key was stored, so operators can find it; absent when configured. */
  generatedFile?: string;
}

/**
 * The configured key, or, when none is configured, one generated once and kept in `file` (mode
 * 0600): the admin API is never open, and `npm start` still needs no configuration.
 */
export function resolveAdminApiKey(configured: string | undefined, file: string): AdminApiKeySource {
  if (configured) return { key: configured };
  if (existsSync(file)) return { key: readFileSync(file, 'utf8').trim(), generatedFile: file };
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(24).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generatedFile: file };
}
