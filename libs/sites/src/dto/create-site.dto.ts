import { Type } from 'class-transformer';
import { IsDefined, IsNumber, IsOptional, IsString, Length, Max, Min, ValidateNested } from 'class-validator';

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

  /** The grid connection's limit on each phase. */
  @IsDefined()
  @ValidateNested()
  @Type(() => PhaseLimitsDto)
  gridLimitA!: PhaseLimitsDto;
}
