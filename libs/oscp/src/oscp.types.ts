/** OSCP 2.0 wire types (reference/oscp.md §1.3–1.5); names and values exactly as on the wire. */

export const CAPACITY_FORECAST_TYPES = [
  'CONSUMPTION',
  'GENERATION',
  'FALLBACK_CONSUMPTION',
  'FALLBACK_GENERATION',
  'OPTIMUM',
] as const;
export type CapacityForecastType = (typeof CAPACITY_FORECAST_TYPES)[number];

export const PHASE_INDICATORS = ['UNKNOWN', 'ONE', 'TWO', 'THREE', 'ALL'] as const;
export type PhaseIndicator = (typeof PHASE_INDICATORS)[number];

export const FORECASTED_BLOCK_UNITS = ['A', 'W', 'KW', 'WH', 'KWH'] as const;
export type ForecastedBlockUnit = (typeof FORECASTED_BLOCK_UNITS)[number];

export interface ForecastedBlock {
  /** Never negative: the direction comes from the forecast type. */
  capacity: number;
  phase: PhaseIndicator;
  unit: ForecastedBlockUnit;
  /** RFC 3339 date-time with an explicit offset. */
  start_time: string;
  /** RFC 3339 date-time with an explicit offset, after `start_time`. */
  end_time: string;
}

export interface UpdateGroupCapacityForecast {
  group_id: string;
  type: CapacityForecastType;
  forecasted_blocks: ForecastedBlock[];
}

export const MEASUREMENT_CONFIGURATIONS = ['CONTINUOUS', 'INTERMITTENT'] as const;
export type MeasurementConfiguration = (typeof MEASUREMENT_CONFIGURATIONS)[number];

export interface RequiredBehaviour {
  /** Seconds between the heartbeats the sender of this message wants to receive; absent: none. */
  heartbeat_interval?: number;
  measurement_configuration: MeasurementConfiguration[];
}

export interface VersionUrl {
  version: string;
  base_url: string;
}

export interface Register {
  token: string;
  version_url: VersionUrl[];
}

/** The only OSCP version we speak. */
export const OSCP_VERSION = '2.0';

/** Messages we send to a Capacity Provider, by their standard final path segment. */
export const OUTBOUND_MESSAGES = [
  'register',
  'handshake_acknowledge',
  'heartbeat',
  'adjust_group_capacity_forecast',
  'group_capacity_compliance_error',
  'update_group_measurements',
  'update_asset_measurements',
] as const;
export type OutboundMessage = (typeof OUTBOUND_MESSAGES)[number];
