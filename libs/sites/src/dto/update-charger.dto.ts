import { IsBoolean, IsIn, IsNumber, IsOptional, IsUUID, Max, Min, ValidateIf } from 'class-validator';
import type { schema } from '@gridflex/persistence';
import {
  IsPhaseRotation,
  IsUpstreamPassword,
  IsUpstreamUrl,
  UPSTREAM_MODE_MESSAGE,
} from './create-charger.dto';
import { UPSTREAM_MODES, UpstreamMode } from '../upstream';

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

  /** `site`, `own` or `none`, as on creation; a mode change drops the URL and password of the previous one. */
  @IsOptional()
  @IsIn(UPSTREAM_MODES, { message: UPSTREAM_MODE_MESSAGE })
  upstreamMode?: UpstreamMode;

  /** The charger's own upstream (mode `own` implied), or null to return it to its site's default (mode `site`). */
  @IsUpstreamUrl({ nullable: true })
  upstreamUrl?: string | null;

  @IsUpstreamPassword({ nullable: true })
  upstreamPassword?: string | null;
}
