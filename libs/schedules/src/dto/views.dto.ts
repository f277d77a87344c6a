import { ApiProperty } from '@nestjs/swagger';
import { SITE_DOCUMENT_FORMAT } from '@gridflex/sites';
import type { PeakShavingRuleView, TariffView } from '../schedules.controller';

/** The schedules API's answers as OpenAPI schemas; each implements the view it documents. */

const nullableNumber = { type: Number, nullable: true } as const;

class WindowViewDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({
    type: [Number],
    nullable: true,
    description: 'ISO weekdays (1 = Monday) it applies on; null with a date, or every day',
  })
  weekdays!: number[] | null;

  @ApiProperty({
    type: String,
    format: 'date',
    nullable: true,
    description: 'The one local date it applies on',
  })
  date!: string | null;

  @ApiProperty({ example: '17:00', description: "Local time in the site's time zone" })
  startTime!: string;

  @ApiProperty({
    example: '20:00',
    description: "Local time in the site's time zone; 24:00 is the day's end",
  })
  endTime!: string;
}

export class PeakShavingRuleViewDto extends WindowViewDto implements PeakShavingRuleView {
  @ApiProperty({ ...nullableNumber, description: 'At most this many kW over the window' })
  limitKw!: number | null;

  @ApiProperty({ ...nullableNumber, description: "At most this share of the site's grid limit" })
  limitPercent!: number | null;
}

export class TariffViewDto extends WindowViewDto implements TariffView {
  @ApiProperty()
  pricePerKwh!: number;

  @ApiProperty({ example: 'EUR' })
  currency!: string;
}

/** The export: the same document is accepted back by `POST /api/v1/sites/import`. */
export class SiteSchedulesDocumentViewDto {
  @ApiProperty({ enum: [SITE_DOCUMENT_FORMAT] })
  format!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'name, groupId, nominalVoltageV, gridLimitA, totalLimitKw, timeZone, baseLoad',
  })
  site!: object;

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Circuits with a document-local ref and their parentRef',
  })
  circuits!: object[];

  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Chargers with their circuitRef and connectors; never a password',
  })
  chargers!: object[];

  @ApiProperty({ type: [PeakShavingRuleViewDto] })
  peakShavingRules!: object[];

  @ApiProperty({ type: [TariffViewDto] })
  tariffs!: object[];
}
