import { readFileSync } from 'node:fs';
import type { AppConfig } from '@gridflex/config';

/**
 * HTTPS (and with it `wss://` for OCPP security profile 2) when a certificate is configured; read once at
 * start, so a renewed certificate needs a restart.
 */
export function httpsOptions(config: AppConfig): { cert: Buffer; key: Buffer } | undefined {
  if (config.TLS_CERT_FILE === undefined || config.TLS_KEY_FILE === undefined) return undefined;
  return { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) };
}
