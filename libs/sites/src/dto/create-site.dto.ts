import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  IsTimeZone,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { TransformerDto } from './transformer.dto';
import { IsUpstreamPassword, IsUpstreamUrl } from './create-charger.dto';

/** A current limit per grid phase, in amperes. */
export class PhaseLimitsDto {
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'l1 must be a number of amperes' })
  @Min(0)
  @Max(100000)
  l1!: number;

  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'l2 must be a number of amperes' })
  @Min(0)
  @Max(100000)
  l2!: number;

  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'l3 must be a number of amperes' })
  @Min(0)
  @Max(100000)
  l3!: number;
}

export const BASE_LOAD_MODES = ['fixed', 'metered'] as const;

/** Load on the grid connection that we do not control (buildings, other consumers), subtracted from its capacity. */
export class BaseLoadDto {
  /** `fixed`: `currentA` always; `metered`: the latest reading pushed to `/base-load/readings`, `currentA` until one is fresh. */
  @IsIn(BASE_LOAD_MODES, { message: `mode must be one of: ${BASE_LOAD_MODES.join(', ')}` })
  mode!: (typeof BASE_LOAD_MODES)[number];

  @IsDefined()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  currentA!: PhaseLimitsDto;
}

export class CreateSiteDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  /** The OSCP `group_id` whose capacity forecasts limit this site. */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  groupId?: string;

  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'nominalVoltageV must be a number of volts' },
  )
  @Min(100)
  @Max(1000)
  nominalVoltageV!: number;

  /** Between two lines, when not √3 × `nominalVoltageV` (e.g. 240 on a 120/240 V split phase); line-to-line connectors count it per ampere. */
  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'lineToLineVoltageV must be a number of volts' },
  )
  @Min(100)
  @Max(2000)
  lineToLineVoltageV?: number;

  /** The transformer feeding the grid connection, when the magnitudes of its line currents limit the site. */
  @IsOptional()
  @ValidateNested()
  @Type(() => TransformerDto)
  transformer?: TransformerDto;

  /** The grid connection's limit on each phase. */
  @IsDefined()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  gridLimitA!: PhaseLimitsDto;

  /** A limit on the total power over all phases, on top of `gridLimitA`. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'totalLimitKw must be a number of kW' })
  @Min(0)
  @Max(100000)
  totalLimitKw?: number;

  /** IANA time zone of the site's schedules; UTC when not given. */
  @IsOptional()
  @IsTimeZone({ message: 'timeZone must be an IANA time zone such as Europe/Amsterdam' })
  timeZone?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => BaseLoadDto)
  baseLoad?: BaseLoadDto;

  /** Proxy mode's site default: the central system of the site's chargers in `upstreamMode` `site`. */
  @IsUpstreamUrl()
  upstreamUrl?: string;

  /** HTTP Basic password presented with each such charger's identity, unless it has its own; never returned. */
  @IsUpstreamPassword()
  upstreamPassword?: string;
}

/** Site properties that can be changed after creation; every one is optional. */
export class UpdateSiteDto {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @IsOptional()
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'nominalVoltageV must be a number of volts' },
  )
  @Min(100)
  @Max(1000)
  nominalVoltageV?: number;

  /** Between two lines, or null for √3 × `nominalVoltageV`. */
  @ValidateIf((_dto, value) => value !== null && value !== undefined)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'lineToLineVoltageV must be a number of volts or null' },
  )
  @Min(100)
  @Max(2000)
  lineToLineVoltageV?: number | null;

  /** The transformer feeding the grid connection, or null for none. */
  @ValidateIf((_dto, value) => value !== null && value !== undefined)
  @ValidateNested()
  @Type(() => TransformerDto)
  transformer?: TransformerDto | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  gridLimitA?: PhaseLimitsDto;

  /** A limit on the total power over all phases, or null for none. */
  @ValidateIf((_dto, value) => value !== null && value !== undefined)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'totalLimitKw must be a number of kW or null' },
  )
  @Min(0)
  @Max(100000)
  totalLimitKw?: number | null;

  /** IANA time zone of the site's schedules, e.g. `Europe/Amsterdam`. */
  @IsOptional()
  @IsTimeZone({ message: 'timeZone must be an IANA time zone such as Europe/Amsterdam' })
  timeZone?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => BaseLoadDto)
  baseLoad?: BaseLoadDto;

  /** The site default upstream, or null for none (its chargers in mode `site` are then answered locally). */
  @IsUpstreamUrl({ nullable: true })
  upstreamUrl?: string | null;

  @IsUpstreamPassword({ nullable: true })
  upstreamPassword?: string | null;
}
