import { IsInt, IsNumber, Max, Min, ValidateIf } from 'class-validator';
import { IsRfc3339Instant } from '@gridflex/common';

const given = (_dto: object, value: unknown) => value !== undefined && value !== null;

/** What the CPO or the driver says about the running session; an absent property is kept, null clears it. */
export class SessionPreferencesDto {
  /** Higher is served first when capacity is short; overrides the connector's priority for this session. */
  @ValidateIf(given)
  @IsInt({ message: 'priority must be an integer or null' })
  @Min(-100)
  @Max(100)
  priority?: number | null;

  /** Energy the EV still wants, in Wh. */
  @ValidateIf(given)
  @IsNumber(
    { allowNaN: false, allowInfinity: false },
    { message: 'energyWantedWh must be a number of Wh or null' },
  )
  @Min(0)
  @Max(1_000_000)
  energyWantedWh?: number | null;

  /** When the EV leaves (an ISO 8601 instant with an offset), e.g. from a booking. */
  @ValidateIf(given)
  @IsRfc3339Instant({
    message: 'departureAt must be an ISO 8601 instant that exists, with Z or an offset, or null',
  })
  departureAt?: string | null;
}
