import type { ChargerWithConnectors, ConnectorRow } from './chargers.repository';
import type { SiteRow } from './sites.repository';

/** What the admin API shows of a site; never any secret. */
export interface SiteView {
  id: string;
  name: string;
  groupId: string | null;
  nominalVoltageV: number;
  gridLimitA: { l1: number; l2: number; l3: number };
  createdAt: string;
}

export interface ConnectorView {
  id: string;
  connectorId: number;
  maxCurrentA: number;
  phases: number;
  status: string | null;
  statusAt: string | null;
  measuredCurrentA: [number | null, number | null, number | null] | null;
  measuredPowerW: number | null;
  energyRegisterWh: number | null;
}

export interface ChargerView {
  id: string;
  identity: string;
  ocppVersion: string;
  passwordProtected: boolean;
  vendor: string | null;
  model: string | null;
  firmwareVersion: string | null;
  connected: boolean;
  lastSeenAt: string | null;
  connectors: ConnectorView[];
}

export type SiteDetailView = SiteView & { chargers: ChargerView[] };

export function toSiteView(site: SiteRow): SiteView {
  return {
    id: site.id,
    name: site.name,
    groupId: site.groupId,
    nominalVoltageV: site.nominalVoltageV,
    gridLimitA: { l1: site.limitL1A, l2: site.limitL2A, l3: site.limitL3A },
    createdAt: site.createdAt.toISOString(),
  };
}

function toConnectorView(connector: ConnectorRow): ConnectorView {
  return {
    id: connector.id,
    connectorId: connector.connectorId,
    maxCurrentA: connector.maxCurrentA,
    phases: connector.phases,
    status: connector.status,
    statusAt: connector.statusAt?.toISOString() ?? null,
    measuredCurrentA: connector.measuredCurrentA ?? null,
    measuredPowerW: connector.measuredPowerW,
    energyRegisterWh: connector.energyRegisterWh,
  };
}

export function toChargerView(charger: ChargerWithConnectors): ChargerView {
  return {
    id: charger.id,
    identity: charger.identity,
    ocppVersion: charger.ocppVersion,
    passwordProtected: charger.passwordHash !== null,
    vendor: charger.vendor,
    model: charger.model,
    firmwareVersion: charger.firmwareVersion,
    connected: charger.connected,
    lastSeenAt: charger.lastSeenAt?.toISOString() ?? null,
    connectors: charger.connectors.map(toConnectorView),
  };
}
