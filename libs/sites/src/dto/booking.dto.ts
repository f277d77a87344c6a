import { IsInt, IsNumber, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsRfc3339Instant } from '@gridflex/common';

const instant = (field: string) =>
  IsRfc3339Instant({ message: `${field} must be an ISO 8601 instant that exists, with Z or an offset` });

/**
 * What the CPO or the driver says before the EV arrives (e.g. from a booking or an app): the session that
 * starts on the connector within the arrival window is planned with it. At least one of priority,
 * energyWantedWh and departureAt.
 */
export class CreateBookingDto {
  @IsUUID('all', { message: 'chargerId must be the id (UUID) of a charger of the site' })
  chargerId!: string;

  /** The OCPP connector id (EVSE id for 2.0.1). */
  @IsInt({ message: 'connectorId must be an integer' })
  @Min(1)
  @Max(1000)
  connectorId!: number;

  /** The EV is expected from this instant (with an offset)… */
  @instant('arrivalFrom')
  arrivalFrom!: string;

  /** …until this one: a session starting later does not take the booking, which is then dropped. */
  @instant('arrivalUntil')
  arrivalUntil!: string;

  /** When the EV leaves. */
  @IsOptional()
  @instant('departureAt')
  departureAt?: string;

  /** Energy the EV wants, in Wh. */
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'energyWantedWh must be a number of Wh' })
  @Min(0)
  @Max(1_000_000)
  energyWantedWh?: number;

  /** Higher is served first when capacity is short; overrides the connector's priority for the session. */
  @IsOptional()
  @IsInt({ message: 'priority must be an integer' })
  @Min(-100)
  @Max(100)
  priority?: number;
}
