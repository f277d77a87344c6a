import { Type } from 'class-transformer';
import { IsDefined, IsISO8601, IsOptional, ValidateNested } from 'class-validator';
import { PhaseLimitsDto } from './create-site.dto';

/** A meter reading of the site's non-controllable load, per phase. */
export class BaseLoadReadingDto {
  @IsDefined()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  currentA!: PhaseLimitsDto;

  /** When it was measured; now when not given. */
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true }, { message: 'measuredAt must be an ISO 8601 instant' })
  measuredAt?: string;
}
