import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { INT4_MAX } from '@gridflex/common';

/** `requestedMessage` is checked against the charger's version once the charger is known. */
export class TriggerMessageDto {
  @IsString({ message: 'requestedMessage must be a string' })
  requestedMessage!: string;

  /** Connector (1.6) or EVSE (2.0.1); none: the charger as a whole. */
  @IsOptional()
  @IsInt({ message: 'connectorId must be an integer' })
  @Min(1, { message: 'connectorId must be 1 or more' })
  @Max(INT4_MAX, { message: 'connectorId must be at most 2147483647' })
  connectorId?: number;
}
