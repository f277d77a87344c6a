/** The dashboard's JSON, as `GET /dashboard/api/snapshot` returns it. Currents in A per grid phase. */

export type PhaseValues = [number | null, number | null, number | null];

/** Aligned series for a chart: `t` in Unix seconds; per phase (L1, L2, L3) one value per instant, null = none. */
export interface ChartSeries {
  t: number[];
  measured: [(number | null)[], (number | null)[], (number | null)[]];
  planned: [(number | null)[], (number | null)[], (number | null)[]];
  /** The site's grid limit, or the group's DSO capacity; null where nothing limits. */
  limit: [(number | null)[], (number | null)[], (number | null)[]];
}

export interface PeerView {
  id: string;
  name: string;
  registration: string;
  /** `UNKNOWN`, `ONLINE` or `OFFLINE` (its groups then run on fallback capacity). */
  link: string;
  linkChangedAt: string | null;
  lastHeartbeatAt: string | null;
  offlineModeAt: string | null;
}

export interface ConnectorView {
  chargerIdentity: string;
  ocppVersion: string;
  chargerConnected: boolean;
  connectorId: number;
  phases: number;
  /** The two grid lines it is wired between; null when loaded phase to neutral. */
  lineToLine: string | null;
  /** How it is wired, e.g. `L-L AB 208 V` or `3-ph 230 V`. */
  connection: string;
  status: string | null;
  evPresent: boolean;
  /** What the plan allows now, per phase the connector loads. */
  limitA: number | null;
  maxCurrentA: number;
  /** Per charger phase, as last reported; null when no fresh reading. */
  measuredA: PhaseValues | null;
  measuredAt: string | null;
  planVersion: number | null;
  dispatch: { status: string; detail: string | null; at: string | null } | null;
  /** The optimizer's reason for the limit now. */
  explanation: string | null;
  uncontrollableReason: string | null;
  /**
   * Who told the running session's energy wanted and departure: `ev`, `booking`, `api`, or `default` (nobody:
   * planning assumes its defaults); null without a session.
   */
  wishSource: string | null;
  /** The EV's state of charge (%) as last reported in the session; null when never. */
  socPercent: number | null;
}

export interface SiteView {
  id: string;
  name: string;
  groupId: string | null;
  gridLimitA: PhaseValues;
  measuredNowA: PhaseValues;
  plannedNowA: PhaseValues;
  /**
   * Each line of the site's transformer, when it declares one: the magnitude of its current with every
   * connector at its planned limit now and the base load (the per-phase sums above are not line currents).
   */
  transformerNowA: TransformerLineView[] | null;
  chart: ChartSeries;
  connectors: ConnectorView[];
  /** Limits of the site, its circuits or its group that unsteered load alone exceeds now. */
  warnings: LimitWarning[];
}

export interface TransformerLineView {
  line: string;
  plannedA: number;
  limitA: number;
}

/** A limit no plan can keep: what the load we do not steer takes on a phase, against the limit in force. */
export interface LimitWarning {
  kind: string;
  id: string;
  name: string;
  phases: { phase: string; reservedA: number; limitA: number }[];
  totalKw: { reservedKw: number; limitKw: number } | null;
  since: string;
  message: string;
}

export interface GroupView {
  groupId: string;
  siteIds: string[];
  /** The DSO capacity now; null per phase where the DSO does not limit it. */
  capacityNowA: PhaseValues;
  /**
   * What sets the DSO capacity now: `forecast`, `gap: fallback forecast`, `gap: safe default`,
   * `gap: configured capacity`, `offline: fallback`, `offline: safe default` or `site limits only`.
   */
  capacitySource: string;
  measuredNowA: PhaseValues;
  plannedNowA: PhaseValues;
  chart: ChartSeries;
  /** Limits of the group and its sites and circuits that unsteered load alone exceeds now. */
  warnings: LimitWarning[];
}

export interface DashboardSnapshot {
  at: string;
  peers: PeerView[];
  groups: GroupView[];
  sites: SiteView[];
}
