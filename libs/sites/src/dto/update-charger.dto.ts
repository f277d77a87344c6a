import { IsBoolean, IsNumber, IsOptional, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import type { schema } from '@gridflex/persistence';
import { IsPhaseRotation } from './create-charger.dto';

/** Where a charger hangs and how it is treated; every property is optional, null clears it. */
export class UpdateChargerDto {
  /** The circuit feeding the charger, or null for directly under the grid connection. */
  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsUUID('all', { message: 'circuitId must be the id (UUID) of a circuit of the site, or null' })
  circuitId?: string | null;

  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'maxCurrentA must be a number of amperes or null' },
  )
  @Min(6)
  @Max(1000)
  maxCurrentA?: number | null;

  @IsOptional()
  @IsPhaseRotation()
  phaseRotation?: schema.GridPhase[];

  @IsOptional()
  @IsBoolean({ message: 'smartChargingExcluded must be true or false' })
  smartChargingExcluded?: boolean;
}
