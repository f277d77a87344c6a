import { Type } from 'class-transformer';
import { IsDefined, IsOptional, ValidateNested } from 'class-validator';
import { IsRfc3339Instant } from '@gridflex/common';
import { PhaseLimitsDto } from './create-site.dto';

/** A meter reading of the site's non-controllable load, per phase. */
export class BaseLoadReadingDto {
  @IsDefined()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  currentA!: PhaseLimitsDto;

  /** When it was measured; now when not given. */
  @IsOptional()
  @IsRfc3339Instant({ message: 'measuredAt must be an ISO 8601 instant that exists, with Z or an offset' })
  measuredAt?: string;
}
