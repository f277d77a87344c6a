import { sql } from 'drizzle-orm';
import {
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

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A DSO acting as OSCP Capacity Provider; only a hash of the token it uses to call us is kept. */
export const dsoPeers = pgTable('dso_peers', {
  id: uuid('id')
    .primaryKey()
    .default(sql`gen_random_uuid()`),
  name: text('name').notNull().unique(),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: createdAt(),
});

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
    limitL1A: doublePrecision('limit_l1_a').notNull(),
    limitL2A: doublePrecision('limit_l2_a').notNull(),
    limitL3A: doublePrecision('limit_l3_a').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sites_group_id_idx').on(t.groupId)],
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
    vendor: text('vendor'),
    model: text('model'),
    firmwareVersion: text('firmware_version'),
    connected: boolean('connected').notNull().default(false),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('chargers_site_id_idx').on(t.siteId)],
);

/** A connector (OCPP 1.6) with the state last reported for it. Currents are per phase, in A. */
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
    phases: integer('phases').notNull(),
    status: text('status'),
    statusAt: timestamp('status_at', { withTimezone: true }),
    measuredCurrentA: jsonb('measured_current_a').$type<[number | null, number | null, number | null]>(),
    measuredPowerW: doublePrecision('measured_power_w'),
    energyRegisterWh: doublePrecision('energy_register_wh'),
    measuredAt: timestamp('measured_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('connectors_charger_connector_idx').on(t.chargerId, t.connectorId)],
);

/** Charging sessions; the serial id is the OCPP 1.6 transactionId we assign. */
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
  },
  (t) => [index('transactions_connector_idx').on(t.connectorRef)],
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
});

/** One block of a connector's plan: from `start` (inclusive) to `end` (exclusive, null = open) at `limitA`. */
export interface PlannedPeriod {
  start: string;
  end: string | null;
  limitA: number;
}
