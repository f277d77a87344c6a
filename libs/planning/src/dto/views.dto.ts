import { ApiProperty } from '@nestjs/swagger';
import type { ConnectorPlanView, SitePlanView } from '../plan.controller';
import type { SimulatedConnectorView, SimulationView } from '../simulation.service';
import type { LimitWarningView } from '../limit-warnings';

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

export class LimitPhaseExcessDto {
  @ApiProperty({
    example: 'L1',
    description: 'L1, L2, L3, or a line of the transformer such as transformer-secondary-a',
  })
  phase!: string;

  @ApiProperty({ description: 'Base load and unsteered chargers at their maximum, A' })
  reservedA!: number;

  @ApiProperty({ description: 'The limit in force, A' })
  limitA!: number;
}

export class LimitTotalExcessDto {
  @ApiProperty({ description: 'Base load and unsteered chargers at their maximum, over the phases, kW' })
  reservedKw!: number;

  @ApiProperty({ description: "The site's total-power limit in force, kW" })
  limitKw!: number;
}

export class LimitWarningViewDto implements LimitWarningView {
  @ApiProperty({ enum: ['group', 'site', 'circuit'] })
  kind!: string;

  @ApiProperty({ description: "The group id, or the site's or circuit's id" })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ type: [LimitPhaseExcessDto] })
  phases!: LimitPhaseExcessDto[];

  @ApiProperty({
    type: LimitTotalExcessDto,
    nullable: true,
    description: "A site's total-power limit exceeded; null when it is not (or the node has none)",
  })
  totalKw!: LimitTotalExcessDto | null;

  @ApiProperty({ ...instant, description: 'When the planner first found the limit impossible to keep' })
  since!: string;

  @ApiProperty()
  message!: string;
}

export class SitePlanViewDto implements SitePlanView {
  @ApiProperty({ format: 'uuid' })
  siteId!: string;

  @ApiProperty(nullableString)
  groupId!: string | null;

  @ApiProperty({
    type: [LimitWarningViewDto],
    description:
      'Limits of the site, its circuits or its group that the load we do not steer (base load, chargers ' +
      'refusing profiles or excluded from smart charging) exceeds on its own now: no plan can keep them',
  })
  warnings!: LimitWarningViewDto[];

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
