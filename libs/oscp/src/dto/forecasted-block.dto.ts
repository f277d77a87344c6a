import { IsIn } from 'class-validator';
import {
  FORECASTED_BLOCK_UNITS,
  ForecastedBlock,
  ForecastedBlockUnit,
  PHASE_INDICATORS,
  PhaseIndicator,
} from '../oscp.types';
import { IsNonNegativeNumber, IsRfc3339DateTime } from './forecast-validators';

/** OSCP 2.0 ForecastedBlock; property names are the wire names. */
export class ForecastedBlockDto implements ForecastedBlock {
  @IsNonNegativeNumber()
  capacity!: number;

  @IsIn(PHASE_INDICATORS)
  phase!: PhaseIndicator;

  @IsIn(FORECASTED_BLOCK_UNITS)
  unit!: ForecastedBlockUnit;

  @IsRfc3339DateTime()
  start_time!: string;

  @IsRfc3339DateTime()
  end_time!: string;
}
