import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsNotEmpty, IsString, Validate } from 'class-validator';
import { ValidateNestedObjects } from '@gridflex/common';
import { CAPACITY_FORECAST_TYPES, CapacityForecastType, UpdateGroupCapacityForecast } from '../oscp.types';
import { BlocksStartBeforeEndConstraint } from './forecast-validators';
import { ForecastedBlockDto } from './forecasted-block.dto';

/** OSCP 2.0 UpdateGroupCapacityForecast; property names are the wire names. */
export class UpdateGroupCapacityForecastDto implements UpdateGroupCapacityForecast {
  @IsString()
  @IsNotEmpty()
  group_id!: string;

  @IsIn(CAPACITY_FORECAST_TYPES)
  type!: CapacityForecastType;

  @IsArray()
  @ArrayMinSize(1)
  @ValidateNestedObjects()
  @Type(() => ForecastedBlockDto)
  @Validate(BlocksStartBeforeEndConstraint)
  forecasted_blocks!: ForecastedBlockDto[];
}
