import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { INT4_MAX, INT4_MIN } from '@gridflex/common';
import { CHARGING_PROFILE_PURPOSES } from '../ocpp-vocabulary';

/** Which profiles to clear; every field narrows the selection, none clears all. */
export class ClearChargingProfileDto {
  /** Connector (1.6) or EVSE (2.0.1); 0 is the charger as a whole. */
  @IsOptional()
  @IsInt({ message: 'connectorId must be an integer' })
  @Min(0, { message: 'connectorId must be 0 or more' })
  @Max(INT4_MAX, { message: 'connectorId must be at most 2147483647' })
  connectorId?: number;

  @IsOptional()
  @IsIn(CHARGING_PROFILE_PURPOSES, {
    message: `purpose must be one of ${CHARGING_PROFILE_PURPOSES.join(', ')}`,
  })
  purpose?: string;

  @IsOptional()
  @IsInt({ message: 'stackLevel must be an integer' })
  @Min(0, { message: 'stackLevel must be 0 or more' })
  @Max(INT4_MAX, { message: 'stackLevel must be at most 2147483647' })
  stackLevel?: number;

  @IsOptional()
  @IsInt({ message: 'chargingProfileId must be an integer' })
  @Min(INT4_MIN, { message: 'chargingProfileId must be at least -2147483648' })
  @Max(INT4_MAX, { message: 'chargingProfileId must be at most 2147483647' })
  chargingProfileId?: number;
}
