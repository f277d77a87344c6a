import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { IsRelativeUrlPath } from '@gridflex/common';
import { OutboundMessage } from '../oscp.types';

const PATH_MESSAGE =
  'must be a relative URL path such as "handshake_ack" or "v2/heartbeat", without . or .. segments';

/** Per-message replacements of the standard final path segment, for peers that deviate. */
export class OutboundPathOverridesDto implements Partial<Record<OutboundMessage, string>> {
  @IsOptional() @IsRelativeUrlPath({ message: `register ${PATH_MESSAGE}` }) register?: string;
  @IsOptional()
  @IsRelativeUrlPath({ message: `handshake_acknowledge ${PATH_MESSAGE}` })
  handshake_acknowledge?: string;
  @IsOptional() @IsRelativeUrlPath({ message: `heartbeat ${PATH_MESSAGE}` }) heartbeat?: string;
  @IsOptional()
  @IsRelativeUrlPath({ message: `adjust_group_capacity_forecast ${PATH_MESSAGE}` })
  adjust_group_capacity_forecast?: string;
  @IsOptional()
  @IsRelativeUrlPath({ message: `group_capacity_compliance_error ${PATH_MESSAGE}` })
  group_capacity_compliance_error?: string;
  @IsOptional()
  @IsRelativeUrlPath({ message: `update_group_measurements ${PATH_MESSAGE}` })
  update_group_measurements?: string;
  @IsOptional()
  @IsRelativeUrlPath({ message: `update_asset_measurements ${PATH_MESSAGE}` })
  update_asset_measurements?: string;
}

/** Headers the protocol sets itself; a peer option must not replace them. */
const RESERVED_HEADERS = new Set([
  'authorization',
  'x-request-id',
  'x-correlation-id',
  'content-type',
  'content-length',
  'host',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const HEADER_VALUE = /^[\x20-\x7e]{0,1000}$/;

function IsExtraHeaders(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isExtraHeaders',
      validator: {
        validate: (value) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.entries(value as Record<string, unknown>).every(
            ([name, content]) =>
              HEADER_NAME.test(name) &&
              !RESERVED_HEADERS.has(name.toLowerCase()) &&
              typeof content === 'string' &&
              HEADER_VALUE.test(content),
          ),
        defaultMessage: (args) =>
          `${args?.property} must map header names to printable ASCII values, and may not set ` +
          `Authorization, X-Request-ID, X-Correlation-ID, Content-Type, Content-Length or Host`,
      },
    },
    options,
  );
}

/** A fixed capacity for all phases, read like a `phase: ALL` block of the peer. */
export interface FixedGapCapacity {
  capacity: number;
  unit: 'A' | 'W' | 'KW';
}

/** What applies while the peer is online where none of its CONSUMPTION blocks covers the time. */
export type GapCapacity = 'FALLBACK' | FixedGapCapacity;

const GAP_UNITS = new Set(['A', 'W', 'KW']);
const MAX_GAP_CAPACITY = 1_000_000;

function isGapCapacity(value: unknown): value is GapCapacity {
  if (value === 'FALLBACK') return true;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { capacity, unit, ...rest } = value as Record<string, unknown>;
  return (
    Object.keys(rest).length === 0 &&
    typeof capacity === 'number' &&
    Number.isFinite(capacity) &&
    capacity >= 0 &&
    capacity <= MAX_GAP_CAPACITY &&
    GAP_UNITS.has(unit as string)
  );
}

function IsGapCapacity(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isGapCapacity',
      validator: {
        validate: isGapCapacity,
        defaultMessage: (args) =>
          `${args?.property} must be "FALLBACK" or {"capacity": <0 to ${MAX_GAP_CAPACITY}>, "unit": "A" | "W" | "KW"}`,
      },
    },
    options,
  );
}

/** How a peer deviates from, or chooses within, the standard; every field is optional. */
export class DsoPeerOptionsDto {
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => OutboundPathOverridesDto)
  paths?: OutboundPathOverridesDto;

  /** Static headers sent with every message to this peer (some DSOs want an `apikey` or `fp-id`). */
  @IsOptional()
  @IsExtraHeaders()
  headers?: Record<string, string>;

  /** Which message carries our measurements: `GROUP` (UpdateGroupMeasurements, default) or `ASSET`. */
  @IsOptional()
  @IsIn(['GROUP', 'ASSET'])
  measurementMessage?: 'GROUP' | 'ASSET';

  /**
   * With `ASSET`: report each group as this one CHARGING asset (the sum of its connectors) instead of one
   * asset per connector, for peers that take a single aggregated asset per group.
   */
  @IsOptional()
  @IsString()
  @Length(1, 64, { message: 'combinedAssetId must be 1 to 64 characters' })
  combinedAssetId?: string;

  /**
   * How a block with `phase: ALL` is read: `PER_PHASE` (each phase may take the capacity) or `TOTAL`
   * (the sum over three phases). When absent, currents are per phase and powers are totals.
   */
  @IsOptional()
  @IsIn(['PER_PHASE', 'TOTAL'])
  phaseAll?: 'PER_PHASE' | 'TOTAL';

  /** Voltage for converting this peer's W/KW/WH/KWH blocks; default: the highest of the group's sites. */
  @IsOptional()
  @IsNumber({}, { message: 'nominalVoltageV must be a number of volts' })
  @Min(50)
  @Max(1000)
  nominalVoltageV?: number;

  /** Send heartbeats when the peer asks for them (default true); some peers answer 404 to them. */
  @IsOptional()
  @IsBoolean()
  sendHeartbeats?: boolean;

  /** Declare the peer OFFLINE when its heartbeats stop (default true); off for peers that never send any. */
  @IsOptional()
  @IsBoolean()
  offlineDetection?: boolean;

  /** Seconds between our measurement messages; default `OSCP_MEASUREMENT_PERIOD_S`. */
  @IsOptional()
  @IsInt({ message: 'measurementPeriodS must be a whole number of seconds' })
  @Min(1)
  @Max(86400)
  measurementPeriodS?: number;

  /**
   * Ask this peer for more capacity on our own (AdjustGroupCapacityForecast) when its forecast leaves a
   * group short of what its connected EVs could draw; once per forecast. Off by default.
   */
  @IsOptional()
  @IsBoolean()
  autoAdjust?: boolean;

  /**
   * Per-phase amperes where no fallback block covers the time while the peer is OFFLINE, and (with
   * `gapCapacity` FALLBACK) in the gaps of its CONSUMPTION forecasts while it is not.
   */
  @IsOptional()
  @IsNumber({}, { message: 'safeDefaultA must be a number of amperes' })
  @Min(0)
  @Max(10000)
  safeDefaultA?: number;

  /**
   * Where the peer's CONSUMPTION forecasts leave time uncovered while it is not OFFLINE: `FALLBACK`
   * (default) its FALLBACK_CONSUMPTION forecast in force there, else `safeDefaultA`; or a fixed capacity.
   */
  @IsOptional()
  @IsGapCapacity()
  gapCapacity?: GapCapacity;
}

export type DsoPeerOptions = Omit<DsoPeerOptionsDto, 'paths'> & {
  paths?: Partial<Record<OutboundMessage, string>>;
};
