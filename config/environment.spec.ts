import { DEFAULTS } from './defaults';
import { validateEnvironment } from './environment';

describe(validateEnvironment.name, () => {
  it('falls back to the defaults for everything not set', () => {
    const config = validateEnvironment({});
    expect(config).toMatchObject(DEFAULTS);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.ADMIN_API_KEY).toBeUndefined();
  });

  it('reads numbers and booleans from their string form', () => {
    const config = validateEnvironment({ PORT: '8080', REDIS_AUTOSTART: 'false', DISPATCH_CONCURRENCY: '4' });
    expect(config).toMatchObject({ PORT: 8080, REDIS_AUTOSTART: false, DISPATCH_CONCURRENCY: 4 });
  });

  it('bounds the work of a DSO forecast and of a planning run by default', () => {
    expect(validateEnvironment({})).toMatchObject({
      OSCP_MAX_BLOCKS_PER_MESSAGE: 2000,
      OSCP_MAX_STORED_BLOCKS: 10000,
      OSCP_MAX_HORIZON_S: 691200,
      OSCP_MIN_BLOCK_S: 60,
      OSCP_MAX_PAST_S: 86400,
      PLANNING_RUN_DEADLINE_MS: 30000,
      PLANNING_EXACT_LP_MAX_COLUMNS: 10000,
      PLANNING_LATER_STAGE_PIVOT_BUDGET: 0,
    });
  });

  it('treats empty values as unset and ignores variables it does not know', () => {
    expect(validateEnvironment({ PORT: '', HOME: '/root' }).PORT).toBe(DEFAULTS.PORT);
  });

  it.each([
    ['PORT', 'http', 'PORT must be an integer between 0 and 65535 (got "http")'],
    ['PORT', '70000', 'PORT must be an integer between 0 and 65535 (got "70000")'],
    ['DATABASE_URL', 'mysql://x', 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    ['REDIS_URL', '127.0.0.1:6379', 'REDIS_URL must be a redis:// or rediss:// URL'],
    ['REDIS_AUTOSTART', 'maybe', 'REDIS_AUTOSTART must be true or false'],
    ['QUEUE_PREFIX', 'a b', 'QUEUE_PREFIX must be 1-64 characters'],
    ['ADMIN_API_KEY', 'short', 'ADMIN_API_KEY must be at least 16 characters'],
    ['OCPP_HEARTBEAT_INTERVAL_S', '5', 'OCPP_HEARTBEAT_INTERVAL_S must be an integer between 10 and 86400'],
    ['OCPP_CALL_TIMEOUT_MS', '1.5', 'OCPP_CALL_TIMEOUT_MS must be an integer between 100 and 300000'],
    ['OCPP_BOOT_WAIT_MS', '-1', 'OCPP_BOOT_WAIT_MS must be an integer between 0 and 300000'],
    [
      'OCPP_PRE_BOOT_CALL_TIMEOUT_MS',
      '50',
      'OCPP_PRE_BOOT_CALL_TIMEOUT_MS must be an integer between 100 and 300000',
    ],
    [
      'OCPP_UPSTREAM_RETRY_MIN_MS',
      '5',
      'OCPP_UPSTREAM_RETRY_MIN_MS must be an integer between 10 and 600000',
    ],
    [
      'OCPP_UPSTREAM_RETRY_MAX_MS',
      'x',
      'OCPP_UPSTREAM_RETRY_MAX_MS must be an integer between 10 and 3600000',
    ],
    ['OCPP_MAX_CLOCK_SKEW_S', '-5', 'OCPP_MAX_CLOCK_SKEW_S must be an integer between 0 and 86400'],
    ['OCPP_MAX_MESSAGE_AGE_S', '30', 'OCPP_MAX_MESSAGE_AGE_S must be an integer between 60 and 31536000'],
    [
      'OCPP_MAX_PAYLOAD_BYTES',
      '200000000',
      'OCPP_MAX_PAYLOAD_BYTES must be an integer between 65536 and 104857600',
    ],
    ['DISPATCH_CONCURRENCY', '0', 'DISPATCH_CONCURRENCY must be an integer between 1 and 1000'],
    ['DISPATCH_ATTEMPTS', '101', 'DISPATCH_ATTEMPTS must be an integer between 1 and 100'],
    ['DISPATCH_BACKOFF_MS', '-1', 'DISPATCH_BACKOFF_MS must be an integer between 10 and 600000'],
    ['OSCP_COMPLIANCE_GRACE_S', '0', 'OSCP_COMPLIANCE_GRACE_S must be an integer between 1 and 86400'],
    [
      'PLANNING_DEFAULT_ENERGY_WANTED_WH',
      '0',
      'PLANNING_DEFAULT_ENERGY_WANTED_WH must be an integer of Wh between 1 and 1000000',
    ],
    [
      'PLANNING_DEFAULT_DWELL_MINUTES',
      '2h',
      'PLANNING_DEFAULT_DWELL_MINUTES must be an integer between 1 and 10080',
    ],
    ['HTTP_JSON_LIMIT_BYTES', '1kb', 'HTTP_JSON_LIMIT_BYTES must be an integer between 1024 and 104857600'],
    ['HTTP_JSON_LIMIT_BYTES', '512', 'HTTP_JSON_LIMIT_BYTES must be an integer between 1024 and 104857600'],
    ['PLANNING_RUN_DEADLINE_MS', '50', 'PLANNING_RUN_DEADLINE_MS must be an integer between 100 and 3600000'],
    [
      'PLANNING_EXACT_LP_MAX_COLUMNS',
      '-1',
      'PLANNING_EXACT_LP_MAX_COLUMNS must be an integer between 0 and 100000000',
    ],
    [
      'PLANNING_LATER_STAGE_PIVOT_BUDGET',
      'some',
      'PLANNING_LATER_STAGE_PIVOT_BUDGET must be an integer between 0 and 1000000',
    ],
    [
      'OSCP_MAX_BLOCKS_PER_MESSAGE',
      '0',
      'OSCP_MAX_BLOCKS_PER_MESSAGE must be an integer between 1 and 1000000',
    ],
    ['OSCP_MAX_STORED_BLOCKS', 'many', 'OSCP_MAX_STORED_BLOCKS must be an integer between 1 and 10000000'],
    ['OSCP_MIN_BLOCK_S', '0', 'OSCP_MIN_BLOCK_S must be an integer of seconds between 1 and 86400'],
    [
      'OSCP_MAX_HORIZON_S',
      '30',
      'OSCP_MAX_HORIZON_S must be an integer of seconds between 60 and 3153600000',
    ],
    ['OSCP_MAX_PAST_S', '-1', 'OSCP_MAX_PAST_S must be an integer of seconds between 0 and 3153600000'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent'],
    ['TRUST_PROXY', '10.0.0.0/8, proxy.example', 'TRUST_PROXY must be a comma list of IP addresses or CIDRs'],
    ['AUTH_MAX_FAILURES', '0', 'AUTH_MAX_FAILURES must be an integer between 1 and 1000'],
    ['AUTH_FAILURE_WINDOW_S', '1m', 'AUTH_FAILURE_WINDOW_S must be an integer between 1 and 86400'],
    ['AUTH_MAX_BLOCK_S', '0', 'AUTH_MAX_BLOCK_S must be an integer between 1 and 604800'],
    ['DASHBOARD_SESSION_TTL_S', '59', 'DASHBOARD_SESSION_TTL_S must be an integer between 60 and 2592000'],
  ])('refuses %s=%s naming the variable and what is allowed', (name, value, message) => {
    expect(() => validateEnvironment({ [name]: value })).toThrow(message);
  });

  it('takes a PGlite template for an in-memory database only', () => {
    expect(() => validateEnvironment({ PGLITE_TEMPLATE_FILE: '/tmp/template.tar' })).toThrow(
      'PGLITE_TEMPLATE_FILE needs PGLITE_DATA_DIR=memory://',
    );
    expect(
      validateEnvironment({ PGLITE_DATA_DIR: 'memory://', PGLITE_TEMPLATE_FILE: '/tmp/template.tar' }),
    ).toMatchObject({ PGLITE_TEMPLATE_FILE: '/tmp/template.tar' });
  });

  it('needs the TLS certificate and key together', () => {
    expect(() => validateEnvironment({ TLS_CERT_FILE: '/etc/tls/cert.pem' })).toThrow(
      'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
    );
    expect(validateEnvironment({ TLS_CERT_FILE: 'c.pem', TLS_KEY_FILE: 'k.pem' })).toMatchObject({
      TLS_CERT_FILE: 'c.pem',
      TLS_KEY_FILE: 'k.pem',
    });
  });

  it('lists every invalid variable at once, each message once', () => {
    let message = '';
    try {
      validateEnvironment({ PORT: 'x', LOG_LEVEL: 'loud' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid environment: /);
    expect(message).toContain('PORT');
    expect(message).toContain('LOG_LEVEL');
    expect(message.match(/PORT must be/g)).toHaveLength(1);
  });
});
