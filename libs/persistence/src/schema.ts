import { sql } from 'drizzle-orm';
import {
  AnyPgColumn,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export type GridPhase = 'L1' | 'L2' | 'L3';

/** Two grid lines a connector is wired between: AB = L1–L2, BC = L2–L3, CA = L3–L1. */
export type LinePair = 'AB' | 'BC' | 'CA';

/** Where a charger's upstream central system (proxy mode) comes from; see `chargers.upstreamMode`. */
export type UpstreamMode = 'site' | 'own' | 'none';

/**
 * A wye secondary (the site's or circuit's phase-to-neutral voltage) whose line currents are limited in
 * magnitude, and optionally its delta primary's: line a carries I_a = I_ab − I_ca plus its loads to neutral.
 */
export interface TransformerColumn {
  /** The most amperes any secondary line may carry. */
  secondaryLineLimitA: number;
  /** The most amperes any primary line may carry; with `primaryVoltageV`. */
  primaryLineLimitA?: number;
  /** The delta primary's line-to-line voltage: the turns ratio is it over the secondary's phase-to-neutral voltage. */
  primaryVoltageV?: number;
}

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/**
 * A DSO acting as OSCP Capacity Provider. Only a hash of the token it uses to call us is kept (null once
 * revoked); the token we call it with is stored encrypted.
 */
export const dsoPeers = pgTable('dso_peers', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  name: text('name').notNull().unique(),
  tokenHash: text('token_hash').unique(),
  createdAt: createdAt(),
  /** The peer's OSCP 2.0 base URL, without a trailing slash. */
  baseUrl: text('base_url'),
  /** AES-256-GCM sealed token we present to the peer. */
  outboundTokenSealed: text('outbound_token_sealed'),
  options: jsonb('options').notNull().default({}).$type<DsoPeerOptionsColumn>(),
  /** `PENDING`, `AWAITING_REPLY`, `REGISTERED` or `UNREGISTERED`. */
  registration: text('registration').notNull().default('PENDING'),
  /** `UNKNOWN` (no handshake yet), `ONLINE` or `OFFLINE`. */
  link: text('link').notNull().default('UNKNOWN'),
  linkChangedAt: timestamp('link_changed_at', { withTimezone: true }),
  /** What the peer asked of us in its Handshake (heartbeat interval, measurement configuration). */
  peerRequiredBehaviour: jsonb('peer_required_behaviour').$type<Record<string, unknown>>(),
  lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
  offlineModeAt: timestamp('offline_mode_at', { withTimezone: true }),
});

/** Per-peer OSCP options as stored; validated by the OSCP admin API. */
export type DsoPeerOptionsColumn = Record<string, unknown>;

/**
 * Which DSO peer governs a capacity group: only it may send forecasts for the group, only its forecasts
 * are planned with and only it receives the group's measurements. At most one peer per group; a group
 * without a row is unbound, and no DSO may send anything for it.
 */
export const dsoPeerGroups = pgTable(
  'dso_peer_groups',
  {
    groupId: text('group_id').primaryKey(),
    peerId: uuid('peer_id')
      .notNull()
      .references(() => dsoPeers.id, { onDelete: 'cascade' }),
    boundAt: timestamp('bound_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('dso_peer_groups_peer_idx').on(t.peerId)],
);

/** Every switch of a DSO peer's link state, for the admin API. */
export const dsoPeerLinkEvents = pgTable(
  'dso_peer_link_events',
  {
    id: serial('id').primaryKey(),
    peerId: uuid('peer_id')
      .notNull()
      .references(() => dsoPeers.id, { onDelete: 'cascade' }),
    fromLink: text('from_link').notNull(),
    toLink: text('to_link').notNull(),
    reason: text('reason').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('dso_peer_link_events_peer_idx').on(t.peerId, t.at)],
);

/** Every OSCP message we send, with its fixed X-Request-ID; its attempts are in `oscp_outbound_attempts`. */
export const oscpOutboundMessages = pgTable(
  'oscp_outbound_messages',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    peerId: uuid('peer_id')
      .notNull()
      .references(() => dsoPeers.id, { onDelete: 'cascade' }),
    message: text('message').notNull(),
    requestId: text('request_id').notNull(),
    correlationId: text('correlation_id'),
    body: jsonb('body').notNull(),
    /** `queued`, `delivered` or `failed`. */
    status: text('status').notNull(),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [index('oscp_outbound_messages_peer_idx').on(t.peerId, t.createdAt)],
);

export const oscpOutboundAttempts = pgTable(
  'oscp_outbound_attempts',
  {
    id: serial('id').primaryKey(),
    messageId: uuid('message_id')
      .notNull()
      .references(() => oscpOutboundMessages.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    url: text('url').notNull(),
    /** The HTTP status, or null when no answer came (network error, timeout). */
    httpStatus: integer('http_status'),
    error: text('error'),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('oscp_outbound_attempts_message_idx').on(t.messageId)],
);

/** A grid connection. `groupId` is the OSCP capacity group that limits it, shared by its sites. */
export const sites = pgTable(
  'sites',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    name: text('name').notNull(),
    groupId: text('group_id'),
    nominalVoltageV: doublePrecision('nominal_voltage_v').notNull(),
    /** Between two lines, when not √3 × `nominalVoltageV` (e.g. a 120/240 V split-phase or a high-leg delta). */
    lineToLineVoltageV: doublePrecision('line_to_line_voltage_v'),
    /** The transformer feeding the grid connection, when its line currents limit the site. */
    transformer: jsonb('transformer').$type<TransformerColumn>(),
    limitL1A: doublePrecision('limit_l1_a').notNull(),
    limitL2A: doublePrecision('limit_l2_a').notNull(),
    limitL3A: doublePrecision('limit_l3_a').notNull(),
    /** A limit on the total power drawn over all phases, on top of the per-phase limits. */
    totalLimitKw: doublePrecision('total_limit_kw'),
    /** IANA zone in which the site's schedules are written. */
    timeZone: text('time_zone').notNull().default('UTC'),
    /** `fixed`: `baseLoadA` is always subtracted; `metered`: the latest fresh meter reading, else `baseLoadA`. */
    baseLoadMode: text('base_load_mode').notNull().default('fixed'),
    baseLoadA: jsonb('base_load_a').$type<[number, number, number]>().notNull().default([0, 0, 0]),
    meteredBaseLoadA: jsonb('metered_base_load_a').$type<[number, number, number]>(),
    meteredBaseLoadAt: timestamp('metered_base_load_at', { withTimezone: true }),
    /**
     * Per phase, what the site may draw while its DSO group runs on fallback capacity (its share of the DSO's
     * FALLBACK_CONSUMPTION or safe default), written by planning; null when no DSO limits the site. The
     * chargers' fail-safe station maximum is shared out of it.
     */
    fallbackLimitsA: jsonb('fallback_limits_a').$type<[number, number, number]>(),
    /**
     * Proxy mode's site default: the central system (ws:// or wss://) the messages of the site's chargers with
     * `upstreamMode` `site` are forwarded to; null: those chargers are answered by gridflex (standalone).
     */
    upstreamUrl: text('upstream_url'),
    /** HTTP Basic password presented with each charger's identity to the site default; as `chargers.upstreamPassword`. */
    upstreamPassword: text('upstream_password'),
    /** Incremented with every change of the site's model; see `site_model_changes`. */
    modelVersion: integer('model_version').notNull().default(1),
    createdAt: createdAt(),
  },
  (t) => [index('sites_group_id_idx').on(t.groupId)],
);

/** A feeder, breaker or sub-panel of a site; `parentId` null means it hangs directly under the grid connection. */
export const circuits = pgTable(
  'circuits',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id').references((): AnyPgColumn => circuits.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    limitL1A: doublePrecision('limit_l1_a').notNull(),
    limitL2A: doublePrecision('limit_l2_a').notNull(),
    limitL3A: doublePrecision('limit_l3_a').notNull(),
    /** A transformer at the head of the circuit, when its line currents limit it. */
    transformer: jsonb('transformer').$type<TransformerColumn>(),
    createdAt: createdAt(),
  },
  (t) => [index('circuits_site_id_idx').on(t.siteId)],
);

/** Who changed a site's model, when, and what; one row per model version. */
export const siteModelChanges = pgTable(
  'site_model_changes',
  {
    id: serial('id').primaryKey(),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    details: jsonb('details').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('site_model_changes_site_version_idx').on(t.siteId, t.version)],
);

export const chargers = pgTable(
  'chargers',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    identity: text('identity').notNull().unique(),
    passwordHash: text('password_hash'),
    ocppVersion: text('ocpp_version').notNull(),
    /** Proxy mode: the central system (ws:// or wss://) the charger's messages are forwarded to; null: standalone. */
    upstreamUrl: text('upstream_url'),
    /**
     * HTTP Basic password gridflex presents to the upstream as the charger; kept in clear because it must be
     * sent, never logged nor returned by the API.
     */
    upstreamPassword: text('upstream_password'),
    /**
     * Where the charger's upstream comes from: `site` its site's default (standalone when the site has none),
     * `own` its `upstreamUrl`, `none` never proxied (standalone even when the site has a default).
     */
    upstreamMode: text('upstream_mode').$type<UpstreamMode>().notNull().default('site'),
    /** The circuit feeding the charger; null means directly under the site's grid connection. */
    circuitId: uuid('circuit_id').references(() => circuits.id, { onDelete: 'restrict' }),
    /** The most the charger draws per phase over all its connectors; null when only the connectors limit it. */
    maxCurrentA: doublePrecision('max_current_a'),
    /** The grid phase feeding the charger's L1, L2, L3. */
    phaseRotation: jsonb('phase_rotation').$type<GridPhase[]>().notNull().default(['L1', 'L2', 'L3']),
    /** Not smart-charged: never sent a profile, its maximum reserved on every phase of its circuits. */
    smartChargingExcluded: boolean('smart_charging_excluded').notNull().default(false),
    /**
     * What the charger may draw per phase should it lose us, as its site's last plan shared it out: its part of
     * the site's (fallback) capacity and of every circuit above it, beside base load and unsteered chargers.
     * Null until the site is first planned.
     */
    failSafeShareA: doublePrecision('fail_safe_share_a'),
    vendor: text('vendor'),
    model: text('model'),
    firmwareVersion: text('firmware_version'),
    /** What the charger reported about its smart charging after it last connected; null until then. */
    capabilities: jsonb('capabilities').$type<ChargerCapabilitiesColumn>(),
    connected: boolean('connected').notNull().default(false),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    /**
     * How far the charger's clock was ahead of ours (negative: behind), in s, as its last time-stamped message
     * showed it; null until one came.
     */
    clockOffsetS: doublePrecision('clock_offset_s'),
    /** Proxy mode: the charger's last BootNotification as it sent it, to present it to an upstream that missed it. */
    bootPayload: jsonb('boot_payload').$type<Record<string, unknown>>(),
    /** Proxy mode: the upstream has not accepted the charger's last BootNotification (answered locally). */
    upstreamBootPending: boolean('upstream_boot_pending').notNull().default(false),
    /** Proxy mode: since when an instance holds an open upstream connection for the charger; null: none. */
    upstreamConnectedAt: timestamp('upstream_connected_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('chargers_site_id_idx').on(t.siteId)],
);

/** A connector (OCPP 1.6) with the state last reported for it. Currents are per phase, in A. */
/**
 * What a charger reported that carries no business meaning for planning but that an operator looks for
 * (security events, firmware and log status, device reports, EV charging needs, …): one row per message, its
 * `kind` the OCPP action, its payload bounded in size. Only the newest events of each charger and kind are kept.
 */
export const chargerEvents = pgTable(
  'charger_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    chargerId: uuid('charger_id')
      .notNull()
      .references(() => chargers.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    /** When it happened as the charger stamped it, if believable; else when we received it. */
    at: timestamp('at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    payload: jsonb('payload').notNull().$type<Record<string, unknown>>(),
  },
  (t) => [
    index('charger_events_charger_idx').on(t.chargerId, t.id),
    index('charger_events_charger_kind_idx').on(t.chargerId, t.kind, t.id),
  ],
);

export const connectors = pgTable(
  'connectors',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    chargerId: uuid('charger_id')
      .notNull()
      .references(() => chargers.id, { onDelete: 'cascade' }),
    connectorId: integer('connector_id').notNull(),
    maxCurrentA: doublePrecision('max_current_a').notNull(),
    /** Phases loaded to neutral (1 to 3), or 2 for a connector wired line to line. */
    phases: integer('phases').notNull(),
    /** Wired between these two grid lines instead of to neutral (then `phases` is 2); null: to neutral. */
    lineToLine: text('line_to_line').$type<LinePair>(),
    /** Below this the connector is paused rather than charged. */
    minCurrentA: doublePrecision('min_current_a').notNull().default(6),
    /** Higher is served first when capacity is short. */
    priority: integer('priority').notNull().default(0),
    status: text('status'),
    statusAt: timestamp('status_at', { withTimezone: true }),
    measuredCurrentA: jsonb('measured_current_a').$type<[number | null, number | null, number | null]>(),
    measuredPowerW: doublePrecision('measured_power_w'),
    energyRegisterWh: doublePrecision('energy_register_wh'),
    /**
     * The connector's never-resetting register (Wh) as its group reports it (OSCP CONTINUOUS): the meter's
     * increments only, across register resets and meter swaps; see `countedEnergyWh`. Null until counted.
     */
    energyCountedWh: doublePrecision('energy_counted_wh'),
    measuredAt: timestamp('measured_at', { withTimezone: true }),
    /** Why the charger refused our last profile; while set, the planner reserves the connector's maximum. */
    uncontrollableReason: text('uncontrollable_reason'),
    /**
     * The phases the running session's EV draws on (1 to 3), learnt on sustained evidence from its per-phase
     * currents or the counts a 2.0.1 station reported (`learnPhases`); null while unknown. Used for energy per
     * ampere and shown, never to reserve less on the grid. Cleared when a session starts or stops.
     */
    phasesInUse: integer('phases_in_use'),
    /** Charger L1..L3: which of them carried current when `phasesInUse` was learnt; null when not measured. */
    phasesInUseMask: jsonb('phases_in_use_mask').$type<[boolean, boolean, boolean]>(),
    /** The running evidence for fewer phases (`PhaseEvidence`); null when none. Cleared with `phasesInUse`. */
    phaseEvidence: jsonb('phase_evidence').$type<PhaseEvidenceColumn>(),
    /** State of charge the EV last reported, in %; null when never reported. */
    socPercent: doublePrecision('soc_percent'),
    /** What the charger last said it offers the EV (Current.Offered), A per phase; null when never reported. */
    offeredCurrentA: doublePrecision('offered_current_a'),
  },
  (t) => [uniqueIndex('connectors_charger_connector_idx').on(t.chargerId, t.connectorId)],
);

/**
 * An external charging limit an OCPP 2.0.1 station reported (NotifyChargingLimit), e.g. from an EMS or the grid
 * operator, until it reports it cleared (ClearedChargingLimit). EVSE 0 is the whole station. We never set or clear
 * such limits; the planner treats them as an upper bound.
 */
export const chargingLimits = pgTable(
  'charging_limits',
  {
    id: serial('id').primaryKey(),
    chargerId: uuid('charger_id')
      .notNull()
      .references(() => chargers.id, { onDelete: 'cascade' }),
    evseId: integer('evse_id').notNull(),
    /** `EMS`, `Other`, `SO` or `CSO`. */
    source: text('source').notNull(),
    isGridCritical: boolean('is_grid_critical'),
    /** The schedules as reported (null when the station sent none, so no value is known). */
    schedules: jsonb('schedules').$type<ReportedChargingSchedule[]>(),
    reportedAt: timestamp('reported_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('charging_limits_charger_evse_source_idx').on(t.chargerId, t.evseId, t.source)],
);

/** A 2.0.1 ChargingScheduleType as a station reports it in NotifyChargingLimit. */
export interface ReportedChargingSchedule {
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
}

/**
 * Charging sessions. The serial id is the OCPP 1.6 transactionId we assign; an OCPP 2.0.1 station assigns its
 * own string id, kept in `stationTransactionId`.
 */
export const transactions = pgTable(
  'transactions',
  {
    id: serial('id').primaryKey(),
    connectorRef: uuid('connector_ref')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    idTag: text('id_tag').notNull(),
    meterStartWh: doublePrecision('meter_start_wh').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    meterStopWh: doublePrecision('meter_stop_wh'),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
    stopReason: text('stop_reason'),
    stationTransactionId: text('station_transaction_id'),
    /**
     * OCPP 1.6: the transactionId the charger holds, which its later messages name. Our `id` in standalone
     * mode and while the upstream was unreachable; in proxy mode the id the upstream central system gave it.
     * Null for 2.0.1, whose station names the transaction (`stationTransactionId`).
     */
    chargerTransactionId: integer('charger_transaction_id'),
    /** OCPP 1.6 proxy mode: the id the upstream central system knows the transaction by, once it answered. */
    upstreamTransactionId: integer('upstream_transaction_id'),
  },
  (t) => [
    index('transactions_connector_idx').on(t.connectorRef),
    index('transactions_station_transaction_idx').on(t.stationTransactionId),
    index('transactions_charger_transaction_idx').on(t.chargerTransactionId),
    index('transactions_upstream_transaction_idx').on(t.upstreamTransactionId),
    // Whether a token is already charging (ConcurrentTx) looks among the open transactions only.
    index('transactions_open_id_tag_idx')
      .on(sql`lower(${t.idTag})`)
      .where(sql`${t.stoppedAt} is null`),
  ],
);

/**
 * Proxy mode: the charger's messages that must reach its upstream central system (transactions, meter values)
 * and could not be delivered yet, replayed in `seq` order when the upstream is reachable again.
 * `transactionRef` is the local transaction an OCPP 1.6 message names, whose upstream id it carries on replay.
 */
export const upstreamOutbox = pgTable(
  'upstream_outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    chargerId: uuid('charger_id')
      .notNull()
      .references(() => chargers.id, { onDelete: 'cascade' }),
    action: text('action').notNull(),
    params: jsonb('params').notNull().$type<Record<string, unknown>>(),
    transactionRef: integer('transaction_ref').references(() => transactions.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [index('upstream_outbox_charger_idx').on(t.chargerId, t.seq)],
);

/**
 * Proxy mode: the charging profiles the charger's upstream central system set (SetChargingProfile), which
 * gridflex keeps instead of the charger: they bound what gridflex plans and sends for the connector. Connector
 * 0 is the whole charger. A TxProfile belongs to the transaction open on its connector when it came, and goes
 * with it.
 */
export const upstreamChargingProfiles = pgTable(
  'upstream_charging_profiles',
  {
    id: serial('id').primaryKey(),
    chargerId: uuid('charger_id')
      .notNull()
      .references(() => chargers.id, { onDelete: 'cascade' }),
    connectorId: integer('connector_id').notNull(),
    profileId: integer('profile_id').notNull(),
    stackLevel: integer('stack_level').notNull(),
    purpose: text('purpose').notNull().$type<UpstreamProfilePurpose>(),
    transactionId: integer('transaction_id').references(() => transactions.id, { onDelete: 'cascade' }),
    schedule: jsonb('schedule').notNull().$type<UpstreamSchedule>(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('upstream_charging_profiles_charger_profile_idx').on(t.chargerId, t.profileId)],
);

/** 1.6 `ChargePointMaxProfile` and 2.0.1 `ChargingStationMaxProfile` are both stored as `ChargerMax`. */
export type UpstreamProfilePurpose = 'ChargerMax' | 'TxDefaultProfile' | 'TxProfile';

/**
 * An upstream profile's schedule (recurring ones are refused): an Absolute one counts its periods from
 * `startSchedule` (from when it was received when absent), a Relative one (TxProfile only) from its
 * transaction's start; it applies within `validFrom`/`validTo` and for `duration` seconds when given.
 */
export interface UpstreamSchedule {
  kind: 'Absolute' | 'Relative';
  startSchedule?: string;
  duration?: number;
  validFrom?: string;
  validTo?: string;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
}

/** What the CPO or the driver told us about a session: its priority, the energy wanted and when the EV leaves. */
export const sessionPreferences = pgTable('session_preferences', {
  transactionId: integer('transaction_id')
    .primaryKey()
    .references(() => transactions.id, { onDelete: 'cascade' }),
  priority: integer('priority'),
  energyWantedWh: doublePrecision('energy_wanted_wh'),
  departureAt: timestamp('departure_at', { withTimezone: true }),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  /** Who told the energy wanted and departure (`WishSource`): the EV (ISO 15118), a booking or the API. */
  source: text('source').$type<WishSource>().notNull().default('api'),
  /** What the EV said it can take (NotifyEVChargingNeeds): A per phase, W, and the phases it charges on. */
  evMinCurrentA: doublePrecision('ev_min_current_a'),
  evMaxCurrentA: doublePrecision('ev_max_current_a'),
  evMaxPowerW: doublePrecision('ev_max_power_w'),
  evPhases: integer('ev_phases'),
});

/** `ev`: the EV itself (ISO 15118 through OCPP 2.0.1, or our 1.6 DataTransfer); `api`: an operator or app. */
export type WishSource = 'ev' | 'booking' | 'api';

/**
 * Preferences told for a connector before the EV arrives: the first session that starts on it within
 * [arrivalFrom, arrivalUntil) takes them (`transactionId` then names it). Dropped once the window is over.
 */
export const connectorBookings = pgTable(
  'connector_bookings',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    connectorRef: uuid('connector_ref')
      .notNull()
      .references(() => connectors.id, { onDelete: 'cascade' }),
    arrivalFrom: timestamp('arrival_from', { withTimezone: true }).notNull(),
    arrivalUntil: timestamp('arrival_until', { withTimezone: true }).notNull(),
    departureAt: timestamp('departure_at', { withTimezone: true }),
    energyWantedWh: doublePrecision('energy_wanted_wh'),
    priority: integer('priority'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    transactionId: integer('transaction_id').references(() => transactions.id, { onDelete: 'set null' }),
  },
  (t) => [
    index('connector_bookings_connector_idx').on(t.connectorRef, t.arrivalFrom),
    index('connector_bookings_site_idx').on(t.siteId),
    uniqueIndex('connector_bookings_transaction_idx').on(t.transactionId),
  ],
);

/**
 * A recurring or dated window in the site's time zone: `weekdays` (ISO, 1 = Monday; null = every day) or one
 * `date`, from `startTime` to `endTime` (HH:MM local; an end not after the start runs past midnight).
 */
const scheduleWindow = () => ({
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  siteId: uuid('site_id')
    .notNull()
    .references(() => sites.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  weekdays: jsonb('weekdays').$type<number[]>(),
  date: text('date'),
  startTime: text('start_time').notNull(),
  endTime: text('end_time').notNull(),
  createdAt: createdAt(),
});

/** A peak-shaving rule: at most `limitKw`, or `limitPercent` of the grid connection; neither means no extra limit. */
export const peakShavingRules = pgTable(
  'peak_shaving_rules',
  {
    ...scheduleWindow(),
    limitKw: doublePrecision('limit_kw'),
    limitPercent: doublePrecision('limit_percent'),
  },
  (t) => [index('peak_shaving_rules_site_idx').on(t.siteId)],
);

/** A tariff window: the price of energy drawn in it, for cost-aware planning. */
export const tariffWindows = pgTable(
  'tariff_windows',
  {
    ...scheduleWindow(),
    pricePerKwh: doublePrecision('price_per_kwh').notNull(),
    currency: text('currency').notNull(),
  },
  (t) => [index('tariff_windows_site_idx').on(t.siteId)],
);

/** Every accepted OSCP capacity forecast, stored as received with the request id it came with. */
export const capacityForecasts = pgTable(
  'capacity_forecasts',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    peerId: uuid('peer_id')
      .notNull()
      .references(() => dsoPeers.id, { onDelete: 'cascade' }),
    requestId: text('request_id').notNull(),
    groupId: text('group_id').notNull(),
    type: text('type').notNull(),
    body: jsonb('body').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('capacity_forecasts_group_idx').on(t.groupId, t.type, t.receivedAt)],
);

/**
 * Segments (`X-Segment-Index/Count`) of a capacity forecast still being received; once all have come,
 * they are joined into one `capacity_forecasts` row and removed.
 */
export const capacityForecastSegments = pgTable(
  'capacity_forecast_segments',
  {
    id: serial('id').primaryKey(),
    peerId: uuid('peer_id')
      .notNull()
      .references(() => dsoPeers.id, { onDelete: 'cascade' }),
    groupId: text('group_id').notNull(),
    type: text('type').notNull(),
    segmentCount: integer('segment_count').notNull(),
    segmentIndex: integer('segment_index').notNull(),
    requestId: text('request_id').notNull(),
    body: jsonb('body').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('capacity_forecast_segments_idx').on(t.peerId, t.groupId, t.type, t.segmentIndex)],
);

/** The latest plan of each connector, its version, and the outcome of sending it. */
export const connectorPlans = pgTable('connector_plans', {
  connectorRef: uuid('connector_ref')
    .primaryKey()
    .references(() => connectors.id, { onDelete: 'cascade' }),
  version: integer('version').notNull(),
  periods: jsonb('periods').notNull().$type<PlannedPeriod[]>(),
  plannedAt: timestamp('planned_at', { withTimezone: true }).notNull(),
  dispatchStatus: text('dispatch_status').notNull(),
  dispatchDetail: text('dispatch_detail'),
  dispatchedVersion: integer('dispatched_version'),
  dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
  /**
   * When the profile the charger accepted stops following the plan (its fail-safe hold nears its end, or the
   * charger's period limit cut it there): the janitor pushes the plan again then. Null: it follows it for good.
   */
  renewAt: timestamp('renew_at', { withTimezone: true }),
  /** Reading the charger's composite schedule back after it accepted: `match`, `mismatch` or `failed`. */
  verification: text('verification'),
  verificationDetail: text('verification_detail'),
  verifiedAt: timestamp('verified_at', { withTimezone: true }),
});

/**
 * Smart-charging capabilities as discovered over OCPP (1.6 GetConfiguration, 2.0.1 GetVariables); a null
 * field was not reported, and the gateway then applies a safe default.
 */
export interface ChargerCapabilitiesColumn {
  smartCharging: boolean | null;
  rateUnits: ('A' | 'W')[] | null;
  maxPeriods: number | null;
  maxStackLevel: number | null;
  maxProfiles: number | null;
  phaseRotation: string | null;
  supplyPhases: number | null;
  meterSampleIntervalS: number | null;
  /** 1.6 feature profile LocalAuthListManagement, 2.0.1 `LocalAuthListCtrlr.Enabled`; absent before it was read. */
  localAuthList?: boolean | null;
  /** Entries one SendLocalList may carry: 1.6 `SendLocalListMaxLength`, 2.0.1 `LocalAuthListCtrlr.ItemsPerMessage`. */
  localListItemsPerMessage?: number | null;
  /** Entries the local list holds at most: 1.6 `LocalAuthListMaxLength`, 2.0.1 `LocalAuthListCtrlr.Entries` (MaxSet). */
  localListMaxEntries?: number | null;
  discoveredAt: string;
  /**
   * How the charger answered the station-wide maximum profile last sent (before discovery, on connect);
   * absent until it answered. No column of its own: it belongs to what this connection showed of the charger.
   */
  stationMaxProfile?: StationMaxProfileOutcome;
}

/** The fail-safe station maximum we sent a charger and how it answered. */
export interface StationMaxProfileOutcome {
  /** The charger's safe share, A per phase, before the rounding every limit we send gets. */
  limitA: number;
  /**
   * The highest the maximum goes from when it was sent: above `limitA` while the charger's plans give it more
   * than its safe share (it returns to `limitA` where they end). Absent in outcomes stored before.
   */
  ceilingA?: number;
  /** `Accepted`, `Rejected`, `NotSupported`, `Timeout`, or the code of the charger's CALLERROR. */
  status: string;
  at: string;
}

/** One block of a connector's plan: from `start` (inclusive) to `end` (exclusive, null = open) at `limitA`. */
export interface PlannedPeriod {
  start: string;
  end: string | null;
  limitA: number;
}

/**
 * What a site drew, was planned and was allowed per grid phase at one instant, for the operations dashboard's
 * charts: plans and link states only keep their latest value, so their past is sampled. Kept 48 hours.
 */
export const siteLoadSamples = pgTable(
  'site_load_samples',
  {
    id: serial('id').primaryKey(),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** Measured by the chargers, per grid phase (A). */
    measuredA: jsonb('measured_a').$type<[number, number, number]>().notNull(),
    /** The connectors' plans in force, added up per grid phase (A). */
    plannedA: jsonb('planned_a').$type<[number, number, number]>().notNull(),
    /** The DSO capacity of the site's group per phase (A); null without a group or DSO limit (no limit). */
    capacityA: jsonb('capacity_a').$type<[number | null, number | null, number | null]>(),
  },
  (t) => [index('site_load_samples_site_at_idx').on(t.siteId, t.at)],
);

/**
 * Per planning scope (`group:<id>` or `site:<id>`): the capacity nodes whose limit in force the load we do not
 * steer (base load, chargers refusing profiles or excluded from smart charging) exceeds on its own, each since
 * its episode began, and the group's episode towards its DSOs. Written by the planner when it changes.
 */
export const limitWarnings = pgTable('limit_warnings', {
  scopeKey: text('scope_key').primaryKey(),
  state: jsonb('state').notNull().$type<LimitWarningsState>(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/**
 * Signed-in dashboard sessions: only a SHA-256 of the cookie's random id is kept, so that the table alone
 * signs nobody in. Signing out deletes the row; an expired row is refused and swept at the next sign-in.
 */
export const dashboardSessions = pgTable(
  'dashboard_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('dashboard_sessions_expires_at_idx').on(t.expiresAt)],
);

export interface LimitWarningsState {
  nodes: InfeasibleLimitNode[];
  /** Since when the group's unsteered load exceeds a DSO forecast block, and the forecasts told so; null: it does not. */
  dso: { since: string; reportedRequestIds: string[] } | null;
}

/** A node of the capacity tree whose limit in force the reserved load alone exceeds. */
export interface InfeasibleLimitNode {
  kind: 'group' | 'site' | 'circuit';
  /** The group id, or the site's or circuit's uuid. */
  id: string;
  name: string;
  /** The site the node is part of; null for the group. */
  siteId: string | null;
  /**
   * The phases where it is exceeded, and the lines of its transformer (`transformer-secondary-a`...), with
   * the reserved load and the limit in force, A.
   */
  phases: { phase: GridPhase | `transformer-${string}`; reservedA: number; limitA: number }[];
  /** Where a site's total-power limit (kW) is exceeded: the reserved load over its phases and the limit, kW. */
  totalKw?: { reservedKw: number; limitKw: number };
  /** ISO instant the episode began: when the planner first found this node impossible to keep. */
  since: string;
}

/** `connectors.phase_evidence`: consecutive readings showing the same fewer phases, from `since` to `latest` (ISO). */
export interface PhaseEvidenceColumn {
  count: 1 | 2 | 3;
  mask: [boolean, boolean, boolean] | null;
  readings: number;
  since: string;
  latest: string;
}

/**
 * An id token (1.6 idTag, 2.0.1 idToken) the CPO manages: matched case-insensitively, as OCPP compares them.
 * `parentIdToken` is its group; `siteId` null means valid at every site.
 */
export const idTokens = pgTable(
  'id_tokens',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    idToken: text('id_token').notNull(),
    /** 2.0.1 `IdTokenEnumType`. */
    type: text('type').notNull().default('ISO14443'),
    /** `Accepted`, `Blocked`, `Expired` or `Invalid`. */
    status: text('status').notNull().default('Accepted'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    parentIdToken: text('parent_id_token'),
    siteId: uuid('site_id').references(() => sites.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('id_tokens_id_token_key').on(sql`lower(${t.idToken})`),
    index('id_tokens_site_id_idx').on(t.siteId),
  ],
);

/**
 * A site's authorization policy (no row: `acceptAll`, list version 0) and the version of its local auth list,
 * incremented with every change of the tokens valid there or of the policy.
 */
export const siteAuthorization = pgTable('site_authorization', {
  siteId: uuid('site_id')
    .primaryKey()
    .references(() => sites.id, { onDelete: 'cascade' }),
  /** `acceptAll` or `list`. */
  policy: text('policy').notNull().default('acceptAll'),
  listVersion: integer('list_version').notNull().default(0),
  /** False: an id token already in an open transaction is refused another (`ConcurrentTx`). */
  allowConcurrentTransactions: boolean('allow_concurrent_transactions').notNull().default(true),
});

/** The local auth list a charger last accepted from us: its version and entries, to send it differences. */
export const chargerLocalAuthLists = pgTable('charger_local_auth_lists', {
  chargerId: uuid('charger_id')
    .primaryKey()
    .references(() => chargers.id, { onDelete: 'cascade' }),
  /** The version the charger holds: the site's, unless a list sent in pieces needed versions beyond it. */
  listVersion: integer('list_version').notNull(),
  /** The version of the site's list (`site_authorization.list_version`) it holds. */
  siteListVersion: integer('site_list_version').notNull().default(0),
  entries: jsonb('entries').notNull().$type<LocalAuthListEntry[]>(),
  /** Entries of the site's list left out because the charger holds fewer (its `LocalAuthListMaxLength`). */
  omittedEntries: integer('omitted_entries').notNull().default(0),
  sentAt: timestamp('sent_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One entry of a local auth list, in neither version's wire form. */
export interface LocalAuthListEntry {
  idToken: string;
  type: string;
  status: string;
  expiryDate?: string;
  parentIdTag?: string;
}
