import { ApiProperty } from '@nestjs/swagger';
import type { schema } from '@gridflex/persistence';
import type { BookingView } from '../bookings.service';
import type { WishSourceView } from '../session-preferences.repository';
import type { EvLimitsView, SessionPreferencesView } from '../session-preferences.service';
import type {
  ChargerView,
  CircuitView,
  ConnectorView,
  ModelChangeView,
  SiteDetailView,
  SiteView,
  UpstreamStatusView,
} from '../views';
import { EffectiveUpstream, UPSTREAM_MODES, UpstreamMode } from '../upstream';

/**
 * The admin API's answers as OpenAPI schemas. Each class implements the view it documents, so that a
 * property added to a view and not here fails the type-check.
 */

const nullableNumber = { type: Number, nullable: true } as const;
const nullableString = { type: String, nullable: true } as const;
const instant = { type: String, format: 'date-time' } as const;
const nullableInstant = { ...instant, nullable: true } as const;

export class PhaseLimitsViewDto {
  @ApiProperty({ description: 'Amperes on grid phase L1' })
  l1!: number;

  @ApiProperty({ description: 'Amperes on grid phase L2' })
  l2!: number;

  @ApiProperty({ description: 'Amperes on grid phase L3' })
  l3!: number;
}

export class BaseLoadReadingViewDto {
  @ApiProperty({ type: PhaseLimitsViewDto })
  currentA!: PhaseLimitsViewDto;

  @ApiProperty(instant)
  measuredAt!: string;
}

export class BaseLoadViewDto {
  @ApiProperty({ enum: ['fixed', 'metered'] })
  mode!: string;

  @ApiProperty({ type: PhaseLimitsViewDto, description: 'The configured non-controllable load per phase' })
  currentA!: PhaseLimitsViewDto;

  @ApiProperty({ type: BaseLoadReadingViewDto, nullable: true })
  lastReading!: BaseLoadReadingViewDto | null;
}

export class TransformerViewDto implements schema.TransformerColumn {
  @ApiProperty({ description: 'The most amperes any secondary line may carry' })
  secondaryLineLimitA!: number;

  @ApiProperty({ required: false, description: 'The most amperes any line of the delta primary may carry' })
  primaryLineLimitA?: number;

  @ApiProperty({ required: false, description: "The delta primary's line-to-line voltage" })
  primaryVoltageV?: number;
}

const nullableTransformer = {
  type: TransformerViewDto,
  nullable: true,
  description: 'A transformer whose line-current magnitudes limit the node (phasor limits); null: none',
} as const;

export class SiteViewDto implements SiteView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ ...nullableString, description: 'The OSCP group whose capacity the site shares' })
  groupId!: string | null;

  @ApiProperty({ description: 'Phase-to-neutral voltage' })
  nominalVoltageV!: number;

  @ApiProperty({ ...nullableNumber, description: 'Line-to-line voltage when not √3 × nominalVoltageV' })
  lineToLineVoltageV!: number | null;

  @ApiProperty(nullableTransformer)
  transformer!: schema.TransformerColumn | null;

  @ApiProperty({ type: PhaseLimitsViewDto })
  gridLimitA!: PhaseLimitsViewDto;

  @ApiProperty({ ...nullableNumber, description: 'Total power of the grid connection, summed over phases' })
  totalLimitKw!: number | null;

  @ApiProperty({ example: 'Europe/Amsterdam' })
  timeZone!: string;

  @ApiProperty({ type: BaseLoadViewDto })
  baseLoad!: BaseLoadViewDto;

  @ApiProperty({
    ...nullableString,
    description: "Proxy mode's site default: the upstream of the chargers in upstreamMode site; null: none",
  })
  upstreamUrl!: string | null;

  @ApiProperty({ description: 'Whether the site default comes with a password (never returned)' })
  upstreamPasswordSet!: boolean;

  @ApiProperty({ description: 'Raised by every change of the site model' })
  modelVersion!: number;

  @ApiProperty(instant)
  createdAt!: string;
}

/** An answer that validation flagged but allowed, e.g. a circuit limit above its parent's. */
export class SiteWithWarningsViewDto extends SiteViewDto {
  @ApiProperty({ type: [String] })
  warnings!: string[];
}

export class CircuitViewDto implements CircuitView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ ...nullableString, format: 'uuid', description: 'null: directly under the grid connection' })
  parentId!: string | null;

  @ApiProperty({ type: PhaseLimitsViewDto })
  limitA!: PhaseLimitsViewDto;

  @ApiProperty(nullableTransformer)
  transformer!: schema.TransformerColumn | null;
}

export class CircuitWithWarningsViewDto extends CircuitViewDto {
  @ApiProperty({ type: [String] })
  warnings!: string[];
}

export class ModelChangeViewDto implements ModelChangeView {
  @ApiProperty({ description: 'The site model version this change made' })
  version!: number;

  @ApiProperty({ description: 'Who made it (the X-Actor header, else the API key)' })
  actor!: string;

  @ApiProperty({ example: 'charger.added' })
  action!: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What changed' })
  details!: unknown;

  @ApiProperty(instant)
  changedAt!: string;
}

export class ConnectorViewDto implements ConnectorView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'OCPP connector id (EVSE id for 2.0.1)' })
  connectorId!: number;

  @ApiProperty()
  maxCurrentA!: number;

  @ApiProperty({ enum: [1, 2, 3], description: 'Phases loaded to neutral; 2 for a line-to-line connector' })
  phases!: number;

  @ApiProperty({
    enum: ['AB', 'BC', 'CA'],
    nullable: true,
    description: 'The two grid lines it is wired between (AB = L1–L2...); null: phase to neutral',
  })
  lineToLine!: schema.LinePair | null;

  @ApiProperty()
  minCurrentA!: number;

  @ApiProperty()
  priority!: number;

  @ApiProperty({ ...nullableString, example: 'Charging' })
  status!: string | null;

  @ApiProperty(nullableInstant)
  statusAt!: string | null;

  @ApiProperty({
    type: 'array',
    items: { type: 'number', nullable: true },
    minItems: 3,
    maxItems: 3,
    nullable: true,
    description: 'Measured amperes on the charger phases L1, L2, L3',
  })
  measuredCurrentA!: [number | null, number | null, number | null] | null;

  @ApiProperty(nullableNumber)
  measuredPowerW!: number | null;

  @ApiProperty(nullableNumber)
  energyRegisterWh!: number | null;

  @ApiProperty({
    ...nullableNumber,
    description: "The EV's state of charge (%) as last reported in this session",
  })
  socPercent!: number | null;

  @ApiProperty({
    ...nullableNumber,
    description: 'What the charger last said it offers (Current.Offered), A per phase',
  })
  offeredCurrentA!: number | null;

  @ApiProperty({
    ...nullableNumber,
    description: "The phases the session's EV draws on, learnt from its per-phase currents; planned on these",
  })
  phasesInUse!: number | null;

  @ApiProperty({
    ...nullableString,
    description: 'Why the charger refuses our profiles here; null when it takes them',
  })
  uncontrollableReason!: string | null;

  @ApiProperty({
    enum: ['ev', 'booking', 'api', 'default'],
    nullable: true,
    description: "Who told the running session's energy wanted and departure; null without a session",
  })
  wishSource!: WishSourceView | null;
}

export class EffectiveUpstreamViewDto implements EffectiveUpstream {
  @ApiProperty({ description: 'The central system (ws:// or wss://), reached at <url>/<identity>' })
  url!: string;

  @ApiProperty({
    enum: ['charger', 'site'],
    description: "Whose setting chose it: the charger's own or its site's",
  })
  source!: 'charger' | 'site';

  @ApiProperty({ description: "Whether a password is presented (the charger's own, else the site's)" })
  passwordSet!: boolean;
}

export class UpstreamStatusViewDto implements UpstreamStatusView {
  @ApiProperty({
    type: Boolean,
    nullable: true,
    description:
      'Whether the instance holding the charger holds an open connection to its upstream for it; null: standalone',
  })
  connected!: boolean | null;

  @ApiProperty({ description: 'Its messages queued for the upstream (transactions, meter values)' })
  queuedMessages!: number;
}

export class ChargerViewDto implements ChargerView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ description: 'OCPP identity: the last part of its WebSocket URL' })
  identity!: string;

  @ApiProperty({ enum: ['1.6', '2.0.1'] })
  ocppVersion!: string;

  @ApiProperty()
  passwordProtected!: boolean;

  @ApiProperty({
    enum: UPSTREAM_MODES,
    description:
      "Proxy mode: site follows the site's default upstream, own has upstreamUrl, none is standalone",
  })
  upstreamMode!: UpstreamMode;

  @ApiProperty({ ...nullableString, description: "The charger's own upstream central system (mode own)" })
  upstreamUrl!: string | null;

  @ApiProperty({ description: 'Whether the charger has its own upstream password (never returned)' })
  upstreamPasswordSet!: boolean;

  @ApiProperty({
    type: EffectiveUpstreamViewDto,
    nullable: true,
    description: 'Where its messages go from its next connection on; null: standalone',
  })
  effectiveUpstream!: EffectiveUpstreamViewDto | null;

  @ApiProperty({ type: UpstreamStatusViewDto, description: 'Proxy mode: its upstream connection now' })
  upstream!: UpstreamStatusViewDto;

  @ApiProperty({ ...nullableString, format: 'uuid' })
  circuitId!: string | null;

  @ApiProperty(nullableNumber)
  maxCurrentA!: number | null;

  @ApiProperty({
    type: [String],
    example: ['L1', 'L2', 'L3'],
    description: 'Grid phase feeding its L1, L2, L3',
  })
  phaseRotation!: string[];

  @ApiProperty({ description: 'Not steered; counted at its maximum' })
  smartChargingExcluded!: boolean;

  @ApiProperty(nullableString)
  vendor!: string | null;

  @ApiProperty(nullableString)
  model!: string | null;

  @ApiProperty(nullableString)
  firmwareVersion!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Smart-charging capabilities discovered over OCPP when it last connected',
  })
  capabilities!: schema.ChargerCapabilitiesColumn | null;

  @ApiProperty()
  connected!: boolean;

  @ApiProperty(nullableInstant)
  lastSeenAt!: string | null;

  @ApiProperty({
    ...nullableNumber,
    example: -2.5,
    description:
      'Charger clock minus ours, in s, from its last time-stamped message (StatusNotification, MeterValues, TransactionEvent); null until one came',
  })
  clockOffsetS!: number | null;

  @ApiProperty({ type: [ConnectorViewDto] })
  connectors!: ConnectorViewDto[];
}

export class ChargerWithWarningsViewDto extends ChargerViewDto {
  @ApiProperty({ type: [String] })
  warnings!: string[];
}

export class SiteDetailViewDto extends SiteWithWarningsViewDto implements SiteDetailView {
  @ApiProperty({ type: [CircuitViewDto] })
  circuits!: CircuitViewDto[];

  @ApiProperty({ type: [ChargerViewDto] })
  chargers!: ChargerViewDto[];
}

export class EvLimitsViewDto implements EvLimitsView {
  @ApiProperty({ ...nullableNumber, description: 'A per phase; the plan gives 0 or at least this' })
  minCurrentA!: number | null;

  @ApiProperty({ ...nullableNumber, description: 'A per phase; the plan never gives more' })
  maxCurrentA!: number | null;

  @ApiProperty({ ...nullableNumber, description: 'W (DC)' })
  maxPowerW!: number | null;

  @ApiProperty({ ...nullableNumber, description: 'The phases an AC EV charges on' })
  phases!: number | null;
}

export class SessionPreferencesViewDto implements SessionPreferencesView {
  @ApiProperty({ description: 'The OCPP transaction the preferences belong to' })
  transactionId!: number;

  @ApiProperty({ ...nullableNumber, description: "Overrides the connector's priority; null: not told" })
  priority!: number | null;

  @ApiProperty(nullableNumber)
  energyWantedWh!: number | null;

  @ApiProperty(nullableInstant)
  departureAt!: string | null;

  @ApiProperty(nullableString)
  updatedBy!: string | null;

  @ApiProperty(nullableInstant)
  updatedAt!: string | null;

  @ApiProperty({
    enum: ['ev', 'booking', 'api', 'default'],
    description:
      'Who told the energy wanted and departure: the EV (ISO 15118 or the org.gridflex DataTransfer), a ' +
      'booking, the API, or nobody (planning assumes PLANNING_DEFAULT_*)',
  })
  source!: WishSourceView;

  @ApiProperty({ type: EvLimitsViewDto, nullable: true, description: 'What the EV said it can take' })
  evLimits!: EvLimitsViewDto | null;

  @ApiProperty({
    ...nullableNumber,
    description:
      "The EV's state of charge (%) as the charger last reported it (SoC measurand); null: not reported",
  })
  socPercent!: number | null;
}

export class BookingViewDto implements BookingView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  chargerId!: string;

  @ApiProperty()
  chargerIdentity!: string;

  @ApiProperty()
  connectorId!: number;

  @ApiProperty(instant)
  arrivalFrom!: string;

  @ApiProperty(instant)
  arrivalUntil!: string;

  @ApiProperty(nullableInstant)
  departureAt!: string | null;

  @ApiProperty(nullableNumber)
  energyWantedWh!: number | null;

  @ApiProperty(nullableNumber)
  priority!: number | null;

  @ApiProperty()
  createdBy!: string;

  @ApiProperty(instant)
  createdAt!: string;

  @ApiProperty({
    enum: ['pending', 'claimed'],
    description: 'claimed: a session started within the window took it',
  })
  status!: 'pending' | 'claimed';

  @ApiProperty({ type: Number, nullable: true, description: 'The transaction that took it' })
  transactionId!: number | null;
}
