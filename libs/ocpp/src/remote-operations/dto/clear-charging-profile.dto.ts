import { IsIn, IsInt, IsOptional, Min } from 'class-validator';
import { CHARGING_PROFILE_PURPOSES } from '../ocpp-vocabulary';

/** Which profiles to clear; every field narrows the selection, none clears all. */
export class ClearChargingProfileDto {
  /** Connector (1.6) or EVSE (2.0.1); 0 is the charger as a whole. */
  @IsOptional()
  @IsInt({ message: 'connectorId must be an integer' })
  @Min(0, { message: 'connectorId must be 0 or more' })
  connectorId?: number;

  @IsOptional()
  @IsIn(CHARGING_PROFILE_PURPOSES, {
    message: `purpose must be one of ${CHARGING_PROFILE_PURPOSES.join(', ')}`,
  })
  purpose?: string;

  @IsOptional()
  @IsInt({ message: 'stackLevel must be an integer' })
  @Min(0, { message: 'stackLevel must be 0 or more' })
  stackLevel?: number;

  @IsOptional()
  @IsInt({ message: 'chargingProfileId must be an integer' })
  chargingProfileId?: number;
}
