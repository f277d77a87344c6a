import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { INT4_MAX, IsRfc3339Instant, ValidateNestedObjects } from '@gridflex/common';
import { PeakShavingRuleDto } from '@gridflex/schedules';
import { PhaseLimitsDto } from '@gridflex/sites';

/** A block of the group's capacity, per phase, as a DSO forecast would give it once converted to amperes. */
export class SimulatedBlockDto {
  @IsRfc3339Instant({ message: 'start must be an ISO 8601 instant that exists, with Z or an offset' })
  start!: string;

  @IsRfc3339Instant({ message: 'end must be an ISO 8601 instant that exists, with Z or an offset' })
  end!: string;

  @IsDefined()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  limitA!: PhaseLimitsDto;
}

/** An EV on a connector of the site's group, with what the CPO or driver would tell about it. */
export class SimulatedSessionDto {
  @IsString()
  chargerIdentity!: string;

  @IsInt()
  @Min(1)
  @Max(INT4_MAX)
  connectorId!: number;

  @IsOptional()
  @IsInt()
  @Min(-100)
  @Max(100)
  priority?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  energyWantedWh?: number;

  @IsOptional()
  @IsRfc3339Instant({ message: 'departureAt must be an ISO 8601 instant that exists, with Z or an offset' })
  departureAt?: string;
}

/** What to assume instead of the stored state; each part left out is taken as it is now. */
export class SimulateDto {
  /** The instant to plan from; now when not given. */
  @IsOptional()
  @IsRfc3339Instant({ message: 'at must be an ISO 8601 instant that exists, with Z or an offset' })
  at?: string;

  /** The group's capacity; when not given, no DSO limit (the sites' own limits only). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNestedObjects()
  @Type(() => SimulatedBlockDto)
  forecast?: SimulatedBlockDto[];

  /** Replace the site's peak-shaving rules. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNestedObjects()
  @Type(() => PeakShavingRuleDto)
  rules?: PeakShavingRuleDto[];

  /** The EVs present on the connectors of the site's group; when given, every other connector has none. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNestedObjects()
  @Type(() => SimulatedSessionDto)
  sessions?: SimulatedSessionDto[];
}
