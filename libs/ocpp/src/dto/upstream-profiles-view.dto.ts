import { ApiProperty } from '@nestjs/swagger';

export class UpstreamProfileViewDto {
  @ApiProperty({ description: 'Connector (1.6) or EVSE (2.0.1); 0: the whole charger', example: 1 })
  connectorId!: number;

  @ApiProperty({ description: "The upstream's chargingProfileId", example: 7 })
  profileId!: number;

  @ApiProperty({ example: 1 })
  stackLevel!: number;

  @ApiProperty({
    enum: ['ChargerMax', 'TxDefaultProfile', 'TxProfile'],
    description: 'ChargerMax: 1.6 ChargePointMaxProfile or 2.0.1 ChargingStationMaxProfile',
  })
  purpose!: string;

  @ApiProperty({
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    nullable: true,
    description: "A TxProfile's transaction as the upstream names it; null for the other purposes",
  })
  transactionId!: number | string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'kind (Absolute, Relative), startSchedule, duration, validFrom, validTo, chargingRateUnit, chargingSchedulePeriod',
    example: {
      kind: 'Absolute',
      startSchedule: '2026-12-07T10:00:00Z',
      chargingRateUnit: 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }],
    },
  })
  schedule!: object;

  @ApiProperty({ format: 'date-time' })
  receivedAt!: string;
}

export class UpstreamProfilesViewDto {
  @ApiProperty({ type: [UpstreamProfileViewDto], description: 'By connector, purpose and stack level' })
  profiles!: UpstreamProfileViewDto[];
}
