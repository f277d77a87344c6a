import {
  IsBoolean,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import type { schema } from '@gridflex/persistence';
import {
  IsPhaseRotation,
  UPSTREAM_PASSWORD_MESSAGE,
  UPSTREAM_URL_MESSAGE,
  UPSTREAM_URL_OPTIONS,
} from './create-charger.dto';

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

  /** Proxy mode's upstream central system, or null to answer the charger locally (standalone). */
  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsUrl(UPSTREAM_URL_OPTIONS, { message: `${UPSTREAM_URL_MESSAGE} or null` })
  upstreamUrl?: string | null;

  @ValidateIf((_dto, value) => value !== undefined && value !== null)
  @IsString({ message: UPSTREAM_PASSWORD_MESSAGE })
  @Length(1, 64, { message: UPSTREAM_PASSWORD_MESSAGE })
  upstreamPassword?: string | null;
}
