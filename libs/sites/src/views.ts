import type { schema } from '@gridflex/persistence';
import type { ChargerWithConnectors, ConnectorWithSession } from './chargers.repository';
import type { WishSourceView } from './session-preferences.repository';
import type { CircuitRow, SiteModelChangeRow } from './site-model.repository';
import type { SiteRow } from './sites.repository';
import { effectiveUpstream, EffectiveUpstream, SiteUpstream, UpstreamMode } from './upstream';

interface PhaseLimitsView {
  l1: number;
  l2: number;
  l3: number;
}

/** What the admin API shows of a site; never any secret. */
export interface SiteView {
  id: string;
  name: string;
  groupId: string | null;
  nominalVoltageV: number;
  /** Between two lines, when not √3 × `nominalVoltageV`; null otherwise. */
  lineToLineVoltageV: number | null;
  /** The transformer whose line currents limit the grid connection; null when none is declared. */
  transformer: schema.TransformerColumn | null;
  gridLimitA: PhaseLimitsView;
  totalLimitKw: number | null;
  timeZone: string;
  baseLoad: {
    mode: string;
    currentA: PhaseLimitsView;
    lastReading: { currentA: PhaseLimitsView; measuredAt: string } | null;
  };
  /** Proxy mode's site default: the upstream of its chargers in `upstreamMode` `site`; null for none. */
  upstreamUrl: string | null;
  /** Whether the site default comes with a password (which is never returned). */
  upstreamPasswordSet: boolean;
  modelVersion: number;
  createdAt: string;
}

export interface CircuitView {
  id: string;
  name: string;
  parentId: string | null;
  limitA: PhaseLimitsView;
  transformer: schema.TransformerColumn | null;
}

export interface ModelChangeView {
  version: number;
  actor: string;
  action: string;
  details: unknown;
  changedAt: string;
}

/** A mutation's result with what validation flagged but allowed (e.g. a circuit above its parent). */
export type WithWarnings<T> = T & { warnings: string[] };

export interface ConnectorView {
  id: string;
  connectorId: number;
  maxCurrentA: number;
  phases: number;
  /** The two grid lines it is wired between; null when it is loaded phase to neutral. */
  lineToLine: schema.LinePair | null;
  minCurrentA: number;
  priority: number;
  status: string | null;
  statusAt: string | null;
  measuredCurrentA: [number | null, number | null, number | null] | null;
  measuredPowerW: number | null;
  energyRegisterWh: number | null;
  /** The EV's state of charge (%) as last reported; null when never reported in this session. */
  socPercent: number | null;
  /** What the charger last said it offers the EV (`Current.Offered`), A per phase; null when never reported. */
  offeredCurrentA: number | null;
  /** The phases the session's EV draws on, learnt from its readings (planned on these); null while unknown. */
  phasesInUse: number | null;
  /** Why the charger refuses our profiles on this connector (then reserved at its maximum); null when it takes them. */
  uncontrollableReason: string | null;
  /** Who told the running session's energy wanted and departure (see the session view); null without a session. */
  wishSource: WishSourceView | null;
}

export interface ChargerView {
  id: string;
  identity: string;
  ocppVersion: string;
  passwordProtected: boolean;
  /** Proxy mode: `site` follows the site's default upstream, `own` has `upstreamUrl`, `none` stays standalone. */
  upstreamMode: UpstreamMode;
  /** The charger's own upstream central system (mode `own`); null otherwise. */
  upstreamUrl: string | null;
  /** Whether the charger has its own upstream password (which is never returned). */
  upstreamPasswordSet: boolean;
  /** Where its messages go from its next connection on, and whose setting says so; null: standalone. */
  effectiveUpstream: EffectiveUpstream | null;
  /** Proxy mode: its upstream connection now, and what waits for it. */
  upstream: UpstreamStatusView;
  circuitId: string | null;
  maxCurrentA: number | null;
  phaseRotation: string[];
  smartChargingExcluded: boolean;
  vendor: string | null;
  model: string | null;
  firmwareVersion: string | null;
  /** Smart-charging capabilities discovered over OCPP when it last connected; null before that. */
  capabilities: schema.ChargerCapabilitiesColumn | null;
  connected: boolean;
  lastSeenAt: string | null;
  /**
   * How far the charger's clock was ahead of ours (negative: behind), in s, as its last time-stamped message
   * showed it; null until one came. Stamps beyond `OCPP_MAX_CLOCK_SKEW_S` ahead are not believed.
   */
  clockOffsetS: number | null;
  connectors: ConnectorView[];
}

export interface UpstreamStatusView {
  /**
   * Whether the instance holding the charger's connection holds an open connection to its upstream for it; null
   * when the charger is standalone (no effective upstream).
   */
  connected: boolean | null;
  /** Its messages queued for the upstream (transactions, meter values), delivered when it is reachable. */
  queuedMessages: number;
}

export type SiteDetailView = WithWarnings<SiteView & { circuits: CircuitView[]; chargers: ChargerView[] }>;

const phaseLimits = ([l1, l2, l3]: readonly number[]): PhaseLimitsView => ({ l1, l2, l3 });

export function toSiteView(site: SiteRow): SiteView {
  return {
    id: site.id,
    name: site.name,
    groupId: site.groupId,
    nominalVoltageV: site.nominalVoltageV,
    lineToLineVoltageV: site.lineToLineVoltageV,
    transformer: site.transformer,
    gridLimitA: { l1: site.limitL1A, l2: site.limitL2A, l3: site.limitL3A },
    totalLimitKw: site.totalLimitKw,
    timeZone: site.timeZone,
    baseLoad: {
      mode: site.baseLoadMode,
      currentA: phaseLimits(site.baseLoadA),
      lastReading:
        site.meteredBaseLoadA && site.meteredBaseLoadAt
          ? { currentA: phaseLimits(site.meteredBaseLoadA), measuredAt: site.meteredBaseLoadAt.toISOString() }
          : null,
    },
    upstreamUrl: site.upstreamUrl,
    upstreamPasswordSet: site.upstreamPassword !== null,
    modelVersion: site.modelVersion,
    createdAt: site.createdAt.toISOString(),
  };
}

export function toCircuitView(circuit: CircuitRow): CircuitView {
  return {
    id: circuit.id,
    name: circuit.name,
    parentId: circuit.parentId,
    limitA: { l1: circuit.limitL1A, l2: circuit.limitL2A, l3: circuit.limitL3A },
    transformer: circuit.transformer,
  };
}

export function toModelChangeView(change: SiteModelChangeRow): ModelChangeView {
  return {
    version: change.version,
    actor: change.actor,
    action: change.action,
    details: change.details,
    changedAt: change.changedAt.toISOString(),
  };
}

function toConnectorView(connector: ConnectorWithSession): ConnectorView {
  return {
    id: connector.id,
    connectorId: connector.connectorId,
    maxCurrentA: connector.maxCurrentA,
    phases: connector.phases,
    lineToLine: connector.lineToLine,
    minCurrentA: connector.minCurrentA,
    priority: connector.priority,
    status: connector.status,
    statusAt: connector.statusAt?.toISOString() ?? null,
    measuredCurrentA: connector.measuredCurrentA ?? null,
    measuredPowerW: connector.measuredPowerW,
    energyRegisterWh: connector.energyRegisterWh,
    socPercent: connector.socPercent,
    offeredCurrentA: connector.offeredCurrentA,
    phasesInUse: connector.phasesInUse,
    uncontrollableReason: connector.uncontrollableReason,
    wishSource: connector.wishSource,
  };
}

/** The charger as the admin API shows it; `site` gives its default upstream. */
export function toChargerView(charger: ChargerWithConnectors, site: SiteUpstream): ChargerView {
  return {
    id: charger.id,
    identity: charger.identity,
    ocppVersion: charger.ocppVersion,
    passwordProtected: charger.passwordHash !== null,
    upstreamMode: charger.upstreamMode,
    upstreamUrl: charger.upstreamUrl,
    upstreamPasswordSet: charger.upstreamPassword !== null,
    effectiveUpstream: effectiveUpstream(charger, site),
    upstream: upstreamStatus(charger, site),
    circuitId: charger.circuitId,
    maxCurrentA: charger.maxCurrentA,
    phaseRotation: charger.phaseRotation,
    smartChargingExcluded: charger.smartChargingExcluded,
    vendor: charger.vendor,
    model: charger.model,
    firmwareVersion: charger.firmwareVersion,
    capabilities: charger.capabilities,
    connected: charger.connected,
    lastSeenAt: charger.lastSeenAt?.toISOString() ?? null,
    clockOffsetS: charger.clockOffsetS,
    connectors: charger.connectors.map(toConnectorView),
  };
}

/** The upstream connection is the charger connection's: none while the charger itself is disconnected. */
function upstreamStatus(charger: ChargerWithConnectors, site: SiteUpstream): UpstreamStatusView {
  const proxied = effectiveUpstream(charger, site) !== null;
  return {
    connected: proxied ? charger.connected && charger.upstreamConnectedAt !== null : null,
    queuedMessages: charger.queuedMessages,
  };
}
