/**
 * Emitted on EventEmitter2 after a charger's stored connection, boot, connector, transaction or
 * controllability state changed.
 */
export const OCPP_CHARGER_STATE_CHANGED = 'ocpp.charger.state-changed';

/**
 * `controllability`: a connector started or stopped refusing our charging profiles. `phases-in-use`: the number
 * of phases an EV draws on, learnt on sustained evidence from its readings, changed (its energy per ampere,
 * never what it reserves). `charging-limit`: a 2.0.1 station reported or cleared an external charging limit.
 * `capabilities`: discovery learnt capabilities that change the charger's profiles, which are then sent again.
 * `connected`: the charger has been protected on a new connection, or again after a Boot on it, and its plans
 * are sent again.
 */
export type ChargerStateChangeReason =
  | 'connected'
  | 'disconnected'
  | 'boot'
  | 'status'
  | 'transaction-started'
  | 'transaction-stopped'
  | 'controllability'
  | 'phases-in-use'
  | 'charging-limit'
  | 'capabilities';

export class ChargerStateChangedEvent {
  /** `chargers.id` (uuid). */
  readonly chargerId: string;
  readonly identity: string;
  readonly siteId: string;
  readonly reason: ChargerStateChangeReason;

  constructor(fields: {
    chargerId: string;
    identity: string;
    siteId: string;
    reason: ChargerStateChangeReason;
  }) {
    this.chargerId = fields.chargerId;
    this.identity = fields.identity;
    this.siteId = fields.siteId;
    this.reason = fields.reason;
  }
}

/**
 * Emitted (with `emitAsync`) after the profiles a charger's upstream central system set changed (proxy mode):
 * its listener re-plans the charger, pushes the result and resolves with what the charger answered, which is
 * what the upstream is answered.
 */
export const OCPP_UPSTREAM_PROFILES_CHANGED = 'ocpp.upstream-profiles.changed';

/**
 * `accepted`: the charger accepted the profile of every connector concerned (or has none to receive);
 * `rejected`: it refused one; `timeout`: it did not answer in time.
 */
export type UpstreamProfilesVerdict = 'accepted' | 'rejected' | 'timeout';

export class UpstreamProfilesChangedEvent {
  constructor(
    readonly chargerId: string,
    readonly siteId: string,
    /** The connectors whose bound changed; 0 (the whole charger) concerns them all. */
    readonly connectorIds: number[],
  ) {}
}
