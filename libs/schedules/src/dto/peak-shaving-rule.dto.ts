import { IsNumber, IsOptional, Max, Min } from 'class-validator';
import { NotWith, ScheduleWindowDto } from './schedule-window.dto';

/** "Weekdays 17:00-20:00 at most 60 kW", "on 2026-12-24 50 %"; with neither limit: nothing beyond the grid connection. */
export class PeakShavingRuleDto extends ScheduleWindowDto {
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'limitKw must be a number of kW' })
  @Min(0)
  @Max(100000)
  limitKw?: number;

  /** A share of the site's grid connection, per phase. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'limitPercent must be a number' })
  @Min(0)
  @Max(100)
  @NotWith('limitKw')
  limitPercent?: number;
}
