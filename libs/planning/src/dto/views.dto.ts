import { ApiProperty } from '@nestjs/swagger';
import type { ConnectorPlanView, SitePlanView } from '../plan.controller';
import type { SimulatedConnectorView, SimulationView } from '../simulation.service';

/** The planning API's answers as OpenAPI schemas; each implements the view it documents. */

const nullableString = { type: String, nullable: true } as const;
const instant = { type: String, format: 'date-time' } as const;

export class PlannedPeriodDto {
  @ApiProperty(instant)
  start!: string;

  @ApiProperty({ ...instant, nullable: true, description: 'null: open-ended' })
  end!: string | null;

  @ApiProperty({ description: 'Amperes per loaded phase' })
  limitA!: number;
}

export class PlanDispatchDto {
  @ApiProperty({ example: 'accepted' })
  status!: string;

  @ApiProperty(nullableString)
  detail!: string | null;

  @ApiProperty({ type: Number, nullable: true, description: 'The plan version last sent' })
  version!: number | null;

  @ApiProperty({ ...instant, nullable: true })
  at!: string | null;

  @ApiProperty({
    ...instant,
    nullable: true,
    description:
      'When the accepted profile stops following the plan (its fail-safe hold nears its end, or the period ' +
      'limit cut it) and the plan is pushed again; null: never',
  })
  renewAt!: string | null;
}

export class PlanVerificationDto {
  @ApiProperty({
    enum: ['match', 'mismatch', 'unverifiable', 'failed'],
    description: 'unverifiable: the charger accepted but its composite schedule cannot show what it applies',
  })
  result!: string;

  @ApiProperty(nullableString)
  detail!: string | null;

  @ApiProperty(instant)
  at!: string;
}

export class ConnectorPlanViewDto implements ConnectorPlanView {
  @ApiProperty({ format: 'uuid' })
  connectorRef!: string;

  @ApiProperty()
  chargerIdentity!: string;

  @ApiProperty()
  connectorId!: number;

  @ApiProperty()
  version!: number;

  @ApiProperty(instant)
  plannedAt!: string;

  @ApiProperty({ type: [PlannedPeriodDto] })
  periods!: PlannedPeriodDto[];

  @ApiProperty({ type: PlanDispatchDto })
  dispatch!: PlanDispatchDto;

  @ApiProperty({
    type: PlanVerificationDto,
    nullable: true,
    description: "The charger's composite schedule read back after it accepted this version",
  })
  verification!: PlanVerificationDto | null;
}

export class SitePlanViewDto implements SitePlanView {
  @ApiProperty({ format: 'uuid' })
  siteId!: string;

  @ApiProperty(nullableString)
  groupId!: string | null;

  @ApiProperty({ type: [ConnectorPlanViewDto] })
  connectors!: ConnectorPlanViewDto[];
}

export class SimulatedConnectorViewDto implements SimulatedConnectorView {
  @ApiProperty()
  chargerIdentity!: string;

  @ApiProperty()
  connectorId!: number;

  @ApiProperty({ type: [PlannedPeriodDto] })
  periods!: PlannedPeriodDto[];

  @ApiProperty({ type: [String], description: 'Why the connector got its limit, one entry per period' })
  explanations!: string[];
}

export class SimulationViewDto implements SimulationView {
  @ApiProperty({ format: 'uuid' })
  siteId!: string;

  @ApiProperty(instant)
  at!: string;

  @ApiProperty({ type: [SimulatedConnectorViewDto] })
  connectors!: SimulatedConnectorViewDto[];
}
