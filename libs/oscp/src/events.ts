/** Emitted on EventEmitter2 once a capacity forecast is stored and its peer has been answered. */
export const OSCP_FORECAST_ACCEPTED = 'oscp.forecast.accepted';

export class ForecastAcceptedEvent {
  /** Id of the stored `capacity_forecasts` row. */
  readonly forecastId: string;
  readonly groupId: string;
  /** The OSCP CapacityForecastType. */
  readonly type: string;
  /** Id of the DSO peer that sent the forecast. */
  readonly peerId: string;

  constructor(fields: { forecastId: string; groupId: string; type: string; peerId: string }) {
    this.forecastId = fields.forecastId;
    this.groupId = fields.groupId;
    this.type = fields.type;
    this.peerId = fields.peerId;
  }
}

/** Emitted once a message we sent was answered 2xx by the peer. */
export const OSCP_MESSAGE_DELIVERED = 'oscp.message.delivered';

export interface MessageDeliveredEvent {
  messageId: string;
  peerId: string;
  message: string;
  correlationId: string | null;
}

/** Emitted after a peer's link switched (ONLINE ⇄ OFFLINE); the groups it forecasts must be re-planned. */
export const OSCP_PEER_LINK_CHANGED = 'oscp.peer.link-changed';

export interface PeerLinkChangedEvent {
  peerId: string;
  from: string;
  to: string;
}

/** Emitted (awaited) after a peer's options were changed; the groups it forecasts must be re-planned. */
export const OSCP_PEER_OPTIONS_CHANGED = 'oscp.peer.options-changed';

export interface PeerOptionsChangedEvent {
  peerId: string;
}

/**
 * Emitted (awaited) when the periodic compliance check is due, on the one instance that took the timer
 * job; the planning side owns the group limits and measured loads it needs.
 */
export const OSCP_COMPLIANCE_CHECK_DUE = 'oscp.compliance.check-due';

export interface ComplianceCheckDueEvent {
  at: Date;
}

/** Emitted (awaited) after groups were bound to or unbound from a peer; those groups must be re-planned. */
export const OSCP_PEER_GROUPS_CHANGED = 'oscp.peer.groups-changed';

export interface PeerGroupsChangedEvent {
  peerId: string;
  /** The groups bound or unbound. */
  groupIds: string[];
}
