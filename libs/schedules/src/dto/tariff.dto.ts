import { IsISO4217CurrencyCode, IsNumber, Max, Min } from 'class-validator';
import { ScheduleWindowDto } from './schedule-window.dto';

/** The price of energy drawn in a window, for cost-aware planning. */
export class TariffDto extends ScheduleWindowDto {
  /** May be negative: some markets pay for consumption at times. */
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'pricePerKwh must be a number' })
  @Min(-100)
  @Max(100)
  pricePerKwh!: number;

  @IsISO4217CurrencyCode({ message: 'currency must be an ISO 4217 code such as EUR' })
  currency!: string;
}
