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
