/** Defaults that let `npm start` run with no configuration at all. Each is overridable by environment. */
export const DEFAULTS = {
  PORT: 3000,
  HOST: '0.0.0.0',
  PGLITE_DATA_DIR: './data/pglite',
  REDIS_URL: 'redis://127.0.0.1:6379',
  REDIS_AUTOSTART: true,
  QUEUE_PREFIX: 'gridflex',
  ADMIN_API_KEY_FILE: './data/admin-api-key',
  OCPP_HEARTBEAT_INTERVAL_S: 300,
  OCPP_CALL_TIMEOUT_MS: 30000,
  DISPATCH_CONCURRENCY: 10,
  DISPATCH_ATTEMPTS: 8,
  DISPATCH_BACKOFF_MS: 1000,
  LOG_LEVEL: 'info',
} as const;
