import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
  ValidationError,
} from 'class-validator';
import { DEFAULTS } from './defaults';
import { compileTrustedProxies } from './trusted-proxies';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/**
 * Every environment variable the controller reads. Values come from the environment, falling back
 * to `DEFAULTS`; anything out of range stops the boot with a message naming the variable.
 */
export class EnvironmentVariables {
  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer between 0 and 65535' })
  @Min(0, { message: 'PORT must be an integer between 0 and 65535' })
  @Max(65535, { message: 'PORT must be an integer between 0 and 65535' })
  PORT: number = DEFAULTS.PORT;

  @IsString()
  @MinLength(1, { message: 'HOST must be a host name or IP address to listen on' })
  HOST: string = DEFAULTS.HOST;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'TLS_CERT_FILE must be the path of a PEM certificate (chain)' })
  TLS_CERT_FILE?: string;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'TLS_KEY_FILE must be the path of the PEM private key of TLS_CERT_FILE' })
  TLS_KEY_FILE?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt({ message: 'DATABASE_POOL_SIZE must be an integer between 1 and 500' })
  @Min(1, { message: 'DATABASE_POOL_SIZE must be an integer between 1 and 500' })
  @Max(500, { message: 'DATABASE_POOL_SIZE must be an integer between 1 and 500' })
  DATABASE_POOL_SIZE: number = DEFAULTS.DATABASE_POOL_SIZE;

  @IsString()
  @MinLength(1, { message: 'PGLITE_DATA_DIR must be a directory path or memory://' })
  PGLITE_DATA_DIR: string = DEFAULTS.PGLITE_DATA_DIR;

  @IsOptional()
  @IsString()
  @MinLength(1, { message: 'PGLITE_TEMPLATE_FILE must be the path of a PGlite dump' })
  PGLITE_TEMPLATE_FILE?: string;

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL: string = DEFAULTS.REDIS_URL;

  @Transform(toBool)
  @IsBoolean({ message: 'REDIS_AUTOSTART must be true or false' })
  REDIS_AUTOSTART: boolean = DEFAULTS.REDIS_AUTOSTART;

  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, {
    message: 'QUEUE_PREFIX must be 1-64 characters of letters, digits, "_", "." or "-"',
  })
  QUEUE_PREFIX: string = DEFAULTS.QUEUE_PREFIX;

  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, {
    message: 'INSTANCE_ID must be 1-64 characters of letters, digits, "_" or "-"',
  })
  INSTANCE_ID?: string;

  @Transform(toInt)
  @IsInt({ message: 'CLUSTER_LEASE_MS must be an integer between 1000 and 600000' })
  @Min(1000, { message: 'CLUSTER_LEASE_MS must be an integer between 1000 and 600000' })
  @Max(600000, { message: 'CLUSTER_LEASE_MS must be an integer between 1000 and 600000' })
  CLUSTER_LEASE_MS: number = DEFAULTS.CLUSTER_LEASE_MS;

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'ADMIN_API_KEY must be at least 16 characters' })
  @MaxLength(256, { message: 'ADMIN_API_KEY must be at most 256 characters' })
  ADMIN_API_KEY?: string;

  @IsString()
  @MinLength(1, { message: 'ADMIN_API_KEY_FILE must be a file path' })
  ADMIN_API_KEY_FILE: string = DEFAULTS.ADMIN_API_KEY_FILE;

  @Transform(toInt)
  @IsInt({ message: 'OCPP_HEARTBEAT_INTERVAL_S must be an integer between 10 and 86400' })
  @Min(10, { message: 'OCPP_HEARTBEAT_INTERVAL_S must be an integer between 10 and 86400' })
  @Max(86400, { message: 'OCPP_HEARTBEAT_INTERVAL_S must be an integer between 10 and 86400' })
  OCPP_HEARTBEAT_INTERVAL_S: number = DEFAULTS.OCPP_HEARTBEAT_INTERVAL_S;

  @Transform(toInt)
  @IsInt({ message: 'OCPP_CALL_TIMEOUT_MS must be an integer between 100 and 300000' })
  @Min(100, { message: 'OCPP_CALL_TIMEOUT_MS must be an integer between 100 and 300000' })
  @Max(300000, { message: 'OCPP_CALL_TIMEOUT_MS must be an integer between 100 and 300000' })
  OCPP_CALL_TIMEOUT_MS: number = DEFAULTS.OCPP_CALL_TIMEOUT_MS;

  @Transform(toInt)
  @IsInt({ message: 'OCPP_MESSAGE_RATE_PER_S must be an integer between 1 and 10000' })
  @Min(1, { message: 'OCPP_MESSAGE_RATE_PER_S must be an integer between 1 and 10000' })
  @Max(10000, { message: 'OCPP_MESSAGE_RATE_PER_S must be an integer between 1 and 10000' })
  OCPP_MESSAGE_RATE_PER_S: number = DEFAULTS.OCPP_MESSAGE_RATE_PER_S;

  @Transform(toInt)
  @IsInt({ message: 'OCPP_MESSAGE_BURST must be an integer between 1 and 100000' })
  @Min(1, { message: 'OCPP_MESSAGE_BURST must be an integer between 1 and 100000' })
  @Max(100000, { message: 'OCPP_MESSAGE_BURST must be an integer between 1 and 100000' })
  OCPP_MESSAGE_BURST: number = DEFAULTS.OCPP_MESSAGE_BURST;

  @Transform(toInt)
  @IsInt({ message: 'OCPP_MESSAGE_BACKLOG must be an integer between 0 and 100000' })
  @Min(0, { message: 'OCPP_MESSAGE_BACKLOG must be an integer between 0 and 100000' })
  @Max(100000, { message: 'OCPP_MESSAGE_BACKLOG must be an integer between 0 and 100000' })
  OCPP_MESSAGE_BACKLOG: number = DEFAULTS.OCPP_MESSAGE_BACKLOG;

  @IsIn(['always', 'sampled', 'off'], { message: 'OCPP_VERIFY_PROFILES must be one of always, sampled, off' })
  OCPP_VERIFY_PROFILES: 'always' | 'sampled' | 'off' = DEFAULTS.OCPP_VERIFY_PROFILES;

  @Transform(toInt)
  @IsInt({ message: 'OCPP_VERIFY_SAMPLE_PERCENT must be an integer between 0 and 100' })
  @Min(0, { message: 'OCPP_VERIFY_SAMPLE_PERCENT must be an integer between 0 and 100' })
  @Max(100, { message: 'OCPP_VERIFY_SAMPLE_PERCENT must be an integer between 0 and 100' })
  OCPP_VERIFY_SAMPLE_PERCENT: number = DEFAULTS.OCPP_VERIFY_SAMPLE_PERCENT;

  @Transform(toInt)
  @IsInt({ message: 'OCPP_FAILSAFE_HOLD_S must be an integer between 10 and 86400' })
  @Min(10, { message: 'OCPP_FAILSAFE_HOLD_S must be an integer between 10 and 86400' })
  @Max(86400, { message: 'OCPP_FAILSAFE_HOLD_S must be an integer between 10 and 86400' })
  OCPP_FAILSAFE_HOLD_S: number = DEFAULTS.OCPP_FAILSAFE_HOLD_S;

  /**
   * How long a charger never booted with us may stay connected without a BootNotification before it is taken
   * as reconnecting and protected anyway; 0 protects it at once.
   */
  @Transform(toInt)
  @IsInt({ message: 'OCPP_BOOT_WAIT_MS must be an integer between 0 and 300000' })
  @Min(0, { message: 'OCPP_BOOT_WAIT_MS must be an integer between 0 and 300000' })
  @Max(300000, { message: 'OCPP_BOOT_WAIT_MS must be an integer between 0 and 300000' })
  OCPP_BOOT_WAIT_MS: number = DEFAULTS.OCPP_BOOT_WAIT_MS;

  /**
   * Timeout of the calls sent to a charger before its Boot is accepted on the connection (it is presumed to
   * have reconnected without booting): at most `OCPP_CALL_TIMEOUT_MS`.
   */
  @Transform(toInt)
  @IsInt({ message: 'OCPP_PRE_BOOT_CALL_TIMEOUT_MS must be an integer between 100 and 300000' })
  @Min(100, { message: 'OCPP_PRE_BOOT_CALL_TIMEOUT_MS must be an integer between 100 and 300000' })
  @Max(300000, { message: 'OCPP_PRE_BOOT_CALL_TIMEOUT_MS must be an integer between 100 and 300000' })
  OCPP_PRE_BOOT_CALL_TIMEOUT_MS: number = DEFAULTS.OCPP_PRE_BOOT_CALL_TIMEOUT_MS;

  /**
   * Proxy mode: the first wait before a failed or lost upstream connection is tried again; each further
   * attempt waits twice as long, up to `OCPP_UPSTREAM_RETRY_MAX_MS`.
   */
  @Transform(toInt)
  @IsInt({ message: 'OCPP_UPSTREAM_RETRY_MIN_MS must be an integer between 10 and 600000' })
  @Min(10, { message: 'OCPP_UPSTREAM_RETRY_MIN_MS must be an integer between 10 and 600000' })
  @Max(600000, { message: 'OCPP_UPSTREAM_RETRY_MIN_MS must be an integer between 10 and 600000' })
  OCPP_UPSTREAM_RETRY_MIN_MS: number = DEFAULTS.OCPP_UPSTREAM_RETRY_MIN_MS;

  @Transform(toInt)
  @IsInt({ message: 'OCPP_UPSTREAM_RETRY_MAX_MS must be an integer between 10 and 3600000' })
  @Min(10, { message: 'OCPP_UPSTREAM_RETRY_MAX_MS must be an integer between 10 and 3600000' })
  @Max(3600000, { message: 'OCPP_UPSTREAM_RETRY_MAX_MS must be an integer between 10 and 3600000' })
  OCPP_UPSTREAM_RETRY_MAX_MS: number = DEFAULTS.OCPP_UPSTREAM_RETRY_MAX_MS;

  /**
   * A charger's time stamp further than this ahead of ours is not believed: its reading or event is taken
   * at the time we received it, so that a charger with a bad clock cannot freeze its connector's state.
   */
  @Transform(toInt)
  @IsInt({ message: 'OCPP_MAX_CLOCK_SKEW_S must be an integer between 0 and 86400' })
  @Min(0, { message: 'OCPP_MAX_CLOCK_SKEW_S must be an integer between 0 and 86400' })
  @Max(86400, { message: 'OCPP_MAX_CLOCK_SKEW_S must be an integer between 0 and 86400' })
  OCPP_MAX_CLOCK_SKEW_S: number = DEFAULTS.OCPP_MAX_CLOCK_SKEW_S;

  /**
   * A reading stamped longer ago than this tells nothing about now and never becomes a connector's current
   * one; a transaction or status event that old is taken at the time we received it.
   */
  @Transform(toInt)
  @IsInt({ message: 'OCPP_MAX_MESSAGE_AGE_S must be an integer between 60 and 31536000' })
  @Min(60, { message: 'OCPP_MAX_MESSAGE_AGE_S must be an integer between 60 and 31536000' })
  @Max(31536000, { message: 'OCPP_MAX_MESSAGE_AGE_S must be an integer between 60 and 31536000' })
  OCPP_MAX_MESSAGE_AGE_S: number = DEFAULTS.OCPP_MAX_MESSAGE_AGE_S;

  /**
   * The largest WebSocket message a charger may send, counted after permessage-deflate inflates it: a larger
   * one closes the connection with 1009 (Message Too Big).
   */
  @Transform(toInt)
  @IsInt({ message: 'OCPP_MAX_PAYLOAD_BYTES must be an integer between 65536 and 104857600' })
  @Min(65536, { message: 'OCPP_MAX_PAYLOAD_BYTES must be an integer between 65536 and 104857600' })
  @Max(104857600, { message: 'OCPP_MAX_PAYLOAD_BYTES must be an integer between 65536 and 104857600' })
  OCPP_MAX_PAYLOAD_BYTES: number = DEFAULTS.OCPP_MAX_PAYLOAD_BYTES;

  @Transform(toInt)
  @IsInt({ message: 'DISPATCH_CONCURRENCY must be an integer between 1 and 1000' })
  @Min(1, { message: 'DISPATCH_CONCURRENCY must be an integer between 1 and 1000' })
  @Max(1000, { message: 'DISPATCH_CONCURRENCY must be an integer between 1 and 1000' })
  DISPATCH_CONCURRENCY: number = DEFAULTS.DISPATCH_CONCURRENCY;

  @Transform(toInt)
  @IsInt({ message: 'DISPATCH_ATTEMPTS must be an integer between 1 and 100' })
  @Min(1, { message: 'DISPATCH_ATTEMPTS must be an integer between 1 and 100' })
  @Max(100, { message: 'DISPATCH_ATTEMPTS must be an integer between 1 and 100' })
  DISPATCH_ATTEMPTS: number = DEFAULTS.DISPATCH_ATTEMPTS;

  @Transform(toInt)
  @IsInt({ message: 'DISPATCH_BACKOFF_MS must be an integer between 10 and 600000' })
  @Min(10, { message: 'DISPATCH_BACKOFF_MS must be an integer between 10 and 600000' })
  @Max(600000, { message: 'DISPATCH_BACKOFF_MS must be an integer between 10 and 600000' })
  DISPATCH_BACKOFF_MS: number = DEFAULTS.DISPATCH_BACKOFF_MS;

  @Transform(toInt)
  @IsInt({ message: 'DISPATCH_RECONCILE_INTERVAL_MS must be an integer between 1000 and 3600000' })
  @Min(1000, { message: 'DISPATCH_RECONCILE_INTERVAL_MS must be an integer between 1000 and 3600000' })
  @Max(3600000, { message: 'DISPATCH_RECONCILE_INTERVAL_MS must be an integer between 1000 and 3600000' })
  DISPATCH_RECONCILE_INTERVAL_MS: number = DEFAULTS.DISPATCH_RECONCILE_INTERVAL_MS;

  @Transform(toInt)
  @IsInt({ message: 'PLANNING_DEBOUNCE_MS must be an integer between 0 and 60000' })
  @Min(0, { message: 'PLANNING_DEBOUNCE_MS must be an integer between 0 and 60000' })
  @Max(60000, { message: 'PLANNING_DEBOUNCE_MS must be an integer between 0 and 60000' })
  PLANNING_DEBOUNCE_MS: number = DEFAULTS.PLANNING_DEBOUNCE_MS;

  @Transform(toInt)
  @IsInt({ message: 'PLANNING_RUN_DEADLINE_MS must be an integer between 100 and 3600000' })
  @Min(100, { message: 'PLANNING_RUN_DEADLINE_MS must be an integer between 100 and 3600000' })
  @Max(3600000, { message: 'PLANNING_RUN_DEADLINE_MS must be an integer between 100 and 3600000' })
  PLANNING_RUN_DEADLINE_MS: number = DEFAULTS.PLANNING_RUN_DEADLINE_MS;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PLANNING_DEFAULT_ENERGY_WANTED_WH must be an integer of Wh between 1 and 1000000' })
  @Min(1, { message: 'PLANNING_DEFAULT_ENERGY_WANTED_WH must be an integer of Wh between 1 and 1000000' })
  @Max(1000000, {
    message: 'PLANNING_DEFAULT_ENERGY_WANTED_WH must be an integer of Wh between 1 and 1000000',
  })
  PLANNING_DEFAULT_ENERGY_WANTED_WH?: number = DEFAULTS.PLANNING_DEFAULT_ENERGY_WANTED_WH;

  @IsOptional()
  @Transform(toInt)
  @IsInt({ message: 'PLANNING_DEFAULT_DWELL_MINUTES must be an integer between 1 and 10080' })
  @Min(1, { message: 'PLANNING_DEFAULT_DWELL_MINUTES must be an integer between 1 and 10080' })
  @Max(10080, { message: 'PLANNING_DEFAULT_DWELL_MINUTES must be an integer between 1 and 10080' })
  PLANNING_DEFAULT_DWELL_MINUTES?: number = DEFAULTS.PLANNING_DEFAULT_DWELL_MINUTES;

  @Transform(toInt)
  @IsInt({ message: 'PLANNING_EXACT_LP_MAX_COLUMNS must be an integer between 0 and 100000000' })
  @Min(0, { message: 'PLANNING_EXACT_LP_MAX_COLUMNS must be an integer between 0 and 100000000' })
  @Max(100000000, { message: 'PLANNING_EXACT_LP_MAX_COLUMNS must be an integer between 0 and 100000000' })
  PLANNING_EXACT_LP_MAX_COLUMNS: number = DEFAULTS.PLANNING_EXACT_LP_MAX_COLUMNS;

  @Transform(toInt)
  @IsInt({ message: 'PLANNING_LATER_STAGE_PIVOT_BUDGET must be an integer between 0 and 1000000' })
  @Min(0, { message: 'PLANNING_LATER_STAGE_PIVOT_BUDGET must be an integer between 0 and 1000000' })
  @Max(1000000, { message: 'PLANNING_LATER_STAGE_PIVOT_BUDGET must be an integer between 0 and 1000000' })
  PLANNING_LATER_STAGE_PIVOT_BUDGET: number = DEFAULTS.PLANNING_LATER_STAGE_PIVOT_BUDGET;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+[^/\s]$/, {
    message: 'OSCP_PUBLIC_BASE_URL must be an http:// or https:// URL without a trailing slash',
  })
  OSCP_PUBLIC_BASE_URL?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'OSCP_TOKEN_ENCRYPTION_KEY must be at least 32 characters' })
  @MaxLength(512, { message: 'OSCP_TOKEN_ENCRYPTION_KEY must be at most 512 characters' })
  OSCP_TOKEN_ENCRYPTION_KEY?: string;

  @IsString()
  @MinLength(1, { message: 'OSCP_TOKEN_KEY_FILE must be a file path' })
  OSCP_TOKEN_KEY_FILE: string = DEFAULTS.OSCP_TOKEN_KEY_FILE;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_HEARTBEAT_INTERVAL_S must be an integer between 1 and 86400' })
  @Min(1, { message: 'OSCP_HEARTBEAT_INTERVAL_S must be an integer between 1 and 86400' })
  @Max(86400, { message: 'OSCP_HEARTBEAT_INTERVAL_S must be an integer between 1 and 86400' })
  OSCP_HEARTBEAT_INTERVAL_S: number = DEFAULTS.OSCP_HEARTBEAT_INTERVAL_S;

  @Transform(toNumber)
  @IsNumber({}, { message: 'OSCP_SAFE_DEFAULT_A must be a number of amperes between 0 and 10000' })
  @Min(0, { message: 'OSCP_SAFE_DEFAULT_A must be a number of amperes between 0 and 10000' })
  @Max(10000, { message: 'OSCP_SAFE_DEFAULT_A must be a number of amperes between 0 and 10000' })
  OSCP_SAFE_DEFAULT_A: number = DEFAULTS.OSCP_SAFE_DEFAULT_A;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_MAX_BLOCKS_PER_MESSAGE must be an integer between 1 and 1000000' })
  @Min(1, { message: 'OSCP_MAX_BLOCKS_PER_MESSAGE must be an integer between 1 and 1000000' })
  @Max(1000000, { message: 'OSCP_MAX_BLOCKS_PER_MESSAGE must be an integer between 1 and 1000000' })
  OSCP_MAX_BLOCKS_PER_MESSAGE: number = DEFAULTS.OSCP_MAX_BLOCKS_PER_MESSAGE;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_MAX_STORED_BLOCKS must be an integer between 1 and 10000000' })
  @Min(1, { message: 'OSCP_MAX_STORED_BLOCKS must be an integer between 1 and 10000000' })
  @Max(10000000, { message: 'OSCP_MAX_STORED_BLOCKS must be an integer between 1 and 10000000' })
  OSCP_MAX_STORED_BLOCKS: number = DEFAULTS.OSCP_MAX_STORED_BLOCKS;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_MAX_HORIZON_S must be an integer of seconds between 60 and 3153600000' })
  @Min(60, { message: 'OSCP_MAX_HORIZON_S must be an integer of seconds between 60 and 3153600000' })
  @Max(3153600000, { message: 'OSCP_MAX_HORIZON_S must be an integer of seconds between 60 and 3153600000' })
  OSCP_MAX_HORIZON_S: number = DEFAULTS.OSCP_MAX_HORIZON_S;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_MIN_BLOCK_S must be an integer of seconds between 1 and 86400' })
  @Min(1, { message: 'OSCP_MIN_BLOCK_S must be an integer of seconds between 1 and 86400' })
  @Max(86400, { message: 'OSCP_MIN_BLOCK_S must be an integer of seconds between 1 and 86400' })
  OSCP_MIN_BLOCK_S: number = DEFAULTS.OSCP_MIN_BLOCK_S;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_MAX_PAST_S must be an integer of seconds between 0 and 3153600000' })
  @Min(0, { message: 'OSCP_MAX_PAST_S must be an integer of seconds between 0 and 3153600000' })
  @Max(3153600000, { message: 'OSCP_MAX_PAST_S must be an integer of seconds between 0 and 3153600000' })
  OSCP_MAX_PAST_S: number = DEFAULTS.OSCP_MAX_PAST_S;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_MEASUREMENT_PERIOD_S must be an integer between 1 and 86400' })
  @Min(1, { message: 'OSCP_MEASUREMENT_PERIOD_S must be an integer between 1 and 86400' })
  @Max(86400, { message: 'OSCP_MEASUREMENT_PERIOD_S must be an integer between 1 and 86400' })
  OSCP_MEASUREMENT_PERIOD_S: number = DEFAULTS.OSCP_MEASUREMENT_PERIOD_S;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_COMPLIANCE_GRACE_S must be an integer between 1 and 86400' })
  @Min(1, { message: 'OSCP_COMPLIANCE_GRACE_S must be an integer between 1 and 86400' })
  @Max(86400, { message: 'OSCP_COMPLIANCE_GRACE_S must be an integer between 1 and 86400' })
  OSCP_COMPLIANCE_GRACE_S: number = DEFAULTS.OSCP_COMPLIANCE_GRACE_S;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_OUTBOUND_ATTEMPTS must be an integer between 1 and 100' })
  @Min(1, { message: 'OSCP_OUTBOUND_ATTEMPTS must be an integer between 1 and 100' })
  @Max(100, { message: 'OSCP_OUTBOUND_ATTEMPTS must be an integer between 1 and 100' })
  OSCP_OUTBOUND_ATTEMPTS: number = DEFAULTS.OSCP_OUTBOUND_ATTEMPTS;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_OUTBOUND_BACKOFF_MS must be an integer between 10 and 600000' })
  @Min(10, { message: 'OSCP_OUTBOUND_BACKOFF_MS must be an integer between 10 and 600000' })
  @Max(600000, { message: 'OSCP_OUTBOUND_BACKOFF_MS must be an integer between 10 and 600000' })
  OSCP_OUTBOUND_BACKOFF_MS: number = DEFAULTS.OSCP_OUTBOUND_BACKOFF_MS;

  @Transform(toInt)
  @IsInt({ message: 'OSCP_REQUEST_TIMEOUT_MS must be an integer between 100 and 300000' })
  @Min(100, { message: 'OSCP_REQUEST_TIMEOUT_MS must be an integer between 100 and 300000' })
  @Max(300000, { message: 'OSCP_REQUEST_TIMEOUT_MS must be an integer between 100 and 300000' })
  OSCP_REQUEST_TIMEOUT_MS: number = DEFAULTS.OSCP_REQUEST_TIMEOUT_MS;

  @Transform(toInt)
  @IsInt({ message: 'HTTP_JSON_LIMIT_BYTES must be an integer between 1024 and 104857600' })
  @Min(1024, { message: 'HTTP_JSON_LIMIT_BYTES must be an integer between 1024 and 104857600' })
  @Max(104857600, { message: 'HTTP_JSON_LIMIT_BYTES must be an integer between 1024 and 104857600' })
  HTTP_JSON_LIMIT_BYTES: number = DEFAULTS.HTTP_JSON_LIMIT_BYTES;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL: string = DEFAULTS.LOG_LEVEL;

  /** Comma list of proxy addresses or CIDRs whose X-Forwarded-For names the client (checked in `validateEnvironment`). */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string = DEFAULTS.TRUST_PROXY;

  @Transform(toInt)
  @IsInt({ message: 'AUTH_MAX_FAILURES must be an integer between 1 and 1000' })
  @Min(1, { message: 'AUTH_MAX_FAILURES must be an integer between 1 and 1000' })
  @Max(1000, { message: 'AUTH_MAX_FAILURES must be an integer between 1 and 1000' })
  AUTH_MAX_FAILURES: number = DEFAULTS.AUTH_MAX_FAILURES;

  @Transform(toInt)
  @IsInt({ message: 'AUTH_FAILURE_WINDOW_S must be an integer between 1 and 86400' })
  @Min(1, { message: 'AUTH_FAILURE_WINDOW_S must be an integer between 1 and 86400' })
  @Max(86400, { message: 'AUTH_FAILURE_WINDOW_S must be an integer between 1 and 86400' })
  AUTH_FAILURE_WINDOW_S: number = DEFAULTS.AUTH_FAILURE_WINDOW_S;

  @Transform(toInt)
  @IsInt({ message: 'AUTH_MAX_BLOCK_S must be an integer between 1 and 604800' })
  @Min(1, { message: 'AUTH_MAX_BLOCK_S must be an integer between 1 and 604800' })
  @Max(604800, { message: 'AUTH_MAX_BLOCK_S must be an integer between 1 and 604800' })
  AUTH_MAX_BLOCK_S: number = DEFAULTS.AUTH_MAX_BLOCK_S;

  @Transform(toInt)
  @IsInt({ message: 'DASHBOARD_SESSION_TTL_S must be an integer between 60 and 2592000' })
  @Min(60, { message: 'DASHBOARD_SESSION_TTL_S must be an integer between 60 and 2592000' })
  @Max(2592000, { message: 'DASHBOARD_SESSION_TTL_S must be an integer between 60 and 2592000' })
  DASHBOARD_SESSION_TTL_S: number = DEFAULTS.DASHBOARD_SESSION_TTL_S;
}

export type AppConfig = Readonly<EnvironmentVariables>;

/** proxy-addr throws on anything that is not an address, a CIDR or one of its names (loopback, …). */
function trustProxyError(trustProxy: string | undefined): string | undefined {
  if (trustProxy === undefined) return undefined;
  try {
    compileTrustedProxies(trustProxy);
    return undefined;
  } catch (error) {
    return `TRUST_PROXY must be a comma list of IP addresses or CIDRs (${(error as Error).message}) (got ${JSON.stringify(trustProxy)})`;
  }
}

function describe(error: ValidationError, raw: Record<string, unknown>): string {
  const got = raw[error.property];
  return `${[...new Set(Object.values(error.constraints ?? {}))].join('; ')} (got ${JSON.stringify(got)})`;
}

/**
 * Turns the raw environment into a typed configuration, or throws an Error listing every
 * variable that is out of range. Unknown variables are ignored: the process environment has many.
 */
export function validateEnvironment(raw: Record<string, unknown>): AppConfig {
  const known = Object.keys(new EnvironmentVariables());
  const relevant = Object.fromEntries(
    Object.entries(raw).filter(([key, value]) => value !== undefined && value !== '' && known.includes(key)),
  );
  const config = plainToInstance(EnvironmentVariables, relevant);
  const errors = validateSync(config, { skipMissingProperties: false });
  const messages = errors.map((e) => describe(e, relevant));
  if ((config.TLS_CERT_FILE === undefined) !== (config.TLS_KEY_FILE === undefined)) {
    messages.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  if (config.PGLITE_TEMPLATE_FILE !== undefined && !config.PGLITE_DATA_DIR.startsWith('memory://')) {
    messages.push('PGLITE_TEMPLATE_FILE needs PGLITE_DATA_DIR=memory://');
  }
  const proxyError = trustProxyError(config.TRUST_PROXY);
  if (proxyError !== undefined) messages.push(proxyError);
  if (messages.length > 0) throw new Error(`Invalid environment: ${messages.join('; ')}`);
  return Object.freeze(config);
}
