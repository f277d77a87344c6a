import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { INT4_MAX } from '@gridflex/common';

export class CompositeScheduleDto {
  /** Connector (1.6) or EVSE (2.0.1); 0 is the charger's expected consumption from the grid. */
  @IsInt({ message: 'connectorId must be an integer' })
  @Min(0, { message: 'connectorId must be 0 or more' })
  @Max(INT4_MAX, { message: 'connectorId must be at most 2147483647' })
  connectorId!: number;

  /** The OCPP field is a signed 32-bit integer. */
  @IsInt({ message: 'durationS must be an integer' })
  @Min(1, { message: 'durationS must be 1 or more' })
  @Max(INT4_MAX, { message: 'durationS must be at most 2147483647' })
  durationS!: number;

  @IsOptional()
  @IsIn(['A', 'W'], { message: 'unit must be A or W' })
  unit?: 'A' | 'W';
}
