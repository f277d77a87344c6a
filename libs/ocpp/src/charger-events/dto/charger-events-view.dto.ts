import { ApiProperty } from '@nestjs/swagger';

export class ChargerEventViewDto {
  @ApiProperty({ description: 'Increasing with each event stored', example: 4211 })
  id!: number;

  @ApiProperty({ description: 'The OCPP action that reported it', example: 'SecurityEventNotification' })
  kind!: string;

  @ApiProperty({ format: 'date-time', description: "The charger's stamp when believable, else receivedAt" })
  at!: string;

  @ApiProperty({ format: 'date-time' })
  receivedAt!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The message as sent; over 16 KiB its leading fields and items, with `truncated: true`',
    example: { type: 'FirmwareUpdated', timestamp: '2026-12-07T10:00:00Z' },
  })
  payload!: Record<string, unknown>;
}

export class ChargerEventsViewDto {
  @ApiProperty({ type: [ChargerEventViewDto], description: 'Newest first' })
  events!: ChargerEventViewDto[];

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: '`before` of the next, older page; null on the last page',
  })
  next!: number | null;
}
