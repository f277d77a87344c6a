import { Inject, Injectable } from '@nestjs/common';
import { and, asc, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import type { ChargerCapabilities } from './capabilities';
import { fitsInt4 } from './int4';
import { chargerSafeShareA, connectorSafeShareA } from './profiles/station-max-profile';
import { countedEnergyWh } from './energy-register';
import type { ConnectorMeasurement } from './measurement';
import { learnPhases, PhaseLearning, plannedPhaseCount } from './phase-evidence';

const { chargers, connectors, sites, transactions } = schema;

/**
 * What a charger's safe share is computed from (`chargerSafeShareA`), as columns of a select joining the charger
 * and its site: the station maximum on connect, its ceiling and the dispatch worker's batched read all use it.
 */
export const SAFE_SHARE_COLUMNS = {
  chargerMaxA: chargers.maxCurrentA,
  failSafeShareA: chargers.failSafeShareA,
  smartChargingExcluded: chargers.smartChargingExcluded,
  siteLimitsA: sql<(number | string)[]>`array[${sites.limitL1A}, ${sites.limitL2A}, ${sites.limitL3A}]`,
  siteFallbackA: sites.fallbackLimitsA,
  baseLoadA: sites.baseLoadA,
  chargersAtSite:
    sql<number>`(select count(*) from ${chargers} other where other.site_id = ${sites.id})`.mapWith(Number),
};

/** What the gateway needs to authenticate a charger. */
export interface ChargerCredentials {
  id: string;
  siteId: string;
  identity: string;
  passwordHash: string | null;
  /** The version the charger was registered with, e.g. `1.6` or `2.0.1`. */
  ocppVersion: string;
  /** Proxy mode: the effective central system the charger's messages are forwarded to; null when standalone. */
  upstreamUrl: string | null;
}

/**
 * Proxy mode: the central system a charger's messages go to. `upstreamMode` `own`: the charger's URL and
 * password; `site`: its site's default URL, with the charger's own password when it has one, else the
 * site's (a CSMS may know each charger by its own password behind one URL); `none`: standalone.
 */
export const EFFECTIVE_UPSTREAM_URL = sql<string | null>`case ${chargers.upstreamMode}
  when 'own' then ${chargers.upstreamUrl} when 'site' then ${sites.upstreamUrl} end`;
const EFFECTIVE_UPSTREAM_PASSWORD = sql<string | null>`case ${chargers.upstreamMode}
  when 'own' then ${chargers.upstreamPassword}
  when 'site' then coalesce(${chargers.upstreamPassword}, ${sites.upstreamPassword}) end`;

/** A BootNotification payload longer than this (as JSON) is not kept for the upstream. */
const MAX_BOOT_PAYLOAD_CHARS = 4096;

export interface UpstreamResyncState {
  /** The charger's last BootNotification when its upstream has not accepted it; null otherwise. */
  missedBoot: Record<string, unknown> | null;
  /** The last status of each connector (1.6) or EVSE (2.0.1) that reported one. */
  statuses: { connectorId: number; status: string }[];
}

export interface ProfileContext {
  capabilities: ChargerCapabilities | null;
  nominalVoltageV: number;
  /** What the connector may draw (A per phase) once its plan has ended; see `connectorSafeShareA`. */
  safeShareA: number;
}

/** What the station-wide maximum profile of a charger needs. */
export interface StationMaxContext {
  capabilities: ChargerCapabilities | null;
  nominalVoltageV: number;
  /** The charger's safe share (A per phase); see `chargerSafeShareA`. */
  safeShareA: number;
  /** 1 only when every connector of the charger is single-phase. */
  phases: 1 | 3;
  /** Excluded from smart charging: never sent a profile, the station maximum included. */
  smartChargingExcluded: boolean;
  /** Per connector id, its maximum current per phase. */
  connectorMaxA: Map<number, number>;
}

export interface ActiveTransaction {
  /** Ours. */
  id: number;
  /** The transactionId an OCPP 1.6 charger holds: ours, or in proxy mode its upstream's; null for 2.0.1. */
  chargerTransactionId: number | null;
  /** The id an OCPP 2.0.1 station gave the transaction; null for 1.6. */
  stationTransactionId: string | null;
}

export interface MeasurementOutcome {
  /** False when the connector is not registered. */
  known: boolean;
  /**
   * The reading changed the number of phases the planner counts for the session's energy per ampere: those its
   * EV is known, on sustained evidence, to draw on when fewer than the connector has.
   */
  phasesInUseChanged: boolean;
}

export interface BootInfo {
  vendor: string;
  model: string;
  firmwareVersion: string | null;
}

/**
 * The connector's counted register after this reading (`countedEnergyWh`), from its row as locked for the
 * update, so that no other reading of the connector lands in between.
 */
function countedEnergyOf(
  row: {
    registerWh: number | null;
    countedWh: number | null;
    measuredAt: Date | null;
    maxCurrentA: number;
    phases: number;
    nominalVoltageV: number;
  },
  readingWh: number,
  at: Date,
): number {
  const maxPowerW = row.maxCurrentA * Math.max(1, row.phases) * row.nominalVoltageV;
  return countedEnergyWh({ ...row, at: row.measuredAt }, readingWh, at, maxPowerW);
}

function learningOf(row: {
  phasesInUse: number | null;
  phasesInUseMask: [boolean, boolean, boolean] | null;
  phaseEvidence: schema.PhaseEvidenceColumn | null;
}): PhaseLearning {
  const count = row.phasesInUse;
  const learned = isPhaseCount(count) ? { count, mask: row.phasesInUseMask } : null;
  return { learned, evidence: row.phaseEvidence };
}

function isPhaseCount(count: number | null): count is 1 | 2 | 3 {
  return count === 1 || count === 2 || count === 3;
}

/** Charger and connector state as the chargers report it over OCPP. */
@Injectable()
export class ChargerStateRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async findByIdentity(identity: string): Promise<ChargerCredentials | null> {
    const [row] = await this.db
      .select({
        id: chargers.id,
        siteId: chargers.siteId,
        identity: chargers.identity,
        passwordHash: chargers.passwordHash,
        ocppVersion: chargers.ocppVersion,
        upstreamUrl: EFFECTIVE_UPSTREAM_URL,
      })
      .from(chargers)
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .where(eq(chargers.identity, identity));
    return row ?? null;
  }

  /**
   * The password gridflex presents to the charger's effective upstream central system (see
   * `EFFECTIVE_UPSTREAM_PASSWORD`), null when it needs none.
   */
  async upstreamPassword(chargerId: string): Promise<string | null> {
    const [row] = await this.db
      .select({ upstreamPassword: EFFECTIVE_UPSTREAM_PASSWORD })
      .from(chargers)
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .where(eq(chargers.id, chargerId));
    return row?.upstreamPassword ?? null;
  }

  /**
   * A charger that connects again may have been reconfigured or updated since it refused our profiles: its
   * connectors count as controllable until it refuses again.
   */
  async markConnected(chargerId: string, at: Date): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.update(chargers).set({ connected: true, lastSeenAt: at }).where(eq(chargers.id, chargerId));
      await tx
        .update(connectors)
        .set({ uncontrollableReason: null })
        .where(and(eq(connectors.chargerId, chargerId), isNotNull(connectors.uncontrollableReason)));
    });
  }

  /** Its upstream connection, which lives with its socket, is gone too (also when an instance died with it). */
  async markDisconnected(chargerId: string): Promise<void> {
    await this.db
      .update(chargers)
      .set({ connected: false, upstreamConnectedAt: null })
      .where(eq(chargers.id, chargerId));
  }

  async markManyDisconnected(chargerIds: string[]): Promise<void> {
    if (chargerIds.length === 0) return;
    await this.db
      .update(chargers)
      .set({ connected: false, upstreamConnectedAt: null })
      .where(inArray(chargers.id, chargerIds));
  }

  /** Chargers recorded as connected, to whichever instance. */
  listConnected(): Promise<{ id: string; identity: string; siteId: string }[]> {
    return this.db
      .select({ id: chargers.id, identity: chargers.identity, siteId: chargers.siteId })
      .from(chargers)
      .where(eq(chargers.connected, true));
  }

  /** The charger was heard from at `at`; with `clockOffsetS` when its message told its time. */
  async touch(chargerId: string, at: Date, clockOffsetS?: number): Promise<void> {
    await this.db
      .update(chargers)
      .set({ lastSeenAt: at, ...(clockOffsetS !== undefined && { clockOffsetS }) })
      .where(eq(chargers.id, chargerId));
  }

  async recordBoot(chargerId: string, boot: BootInfo): Promise<void> {
    await this.db.update(chargers).set(boot).where(eq(chargers.id, chargerId));
  }

  /**
   * Proxy mode: the charger's BootNotification as it sent it, and whether its upstream accepted it. Payloads
   * beyond `MAX_BOOT_PAYLOAD_CHARS` (the schemas allow none that long) are not kept.
   */
  async recordUpstreamBoot(chargerId: string, payload: unknown, accepted: boolean): Promise<void> {
    const storable = JSON.stringify(payload).length <= MAX_BOOT_PAYLOAD_CHARS;
    await this.db
      .update(chargers)
      .set({
        bootPayload: storable ? (payload as Record<string, unknown>) : null,
        upstreamBootPending: !accepted,
      })
      .where(eq(chargers.id, chargerId));
  }

  async markUpstreamBootAccepted(chargerId: string): Promise<void> {
    await this.db.update(chargers).set({ upstreamBootPending: false }).where(eq(chargers.id, chargerId));
  }

  /** What an upstream connection that opens is told first: the Boot it missed, and the connectors' status. */
  async upstreamResyncState(chargerId: string): Promise<UpstreamResyncState> {
    const [charger] = await this.db
      .select({ bootPayload: chargers.bootPayload, pending: chargers.upstreamBootPending })
      .from(chargers)
      .where(eq(chargers.id, chargerId));
    const statuses = await this.db
      .select({ connectorId: connectors.connectorId, status: connectors.status })
      .from(connectors)
      .where(and(eq(connectors.chargerId, chargerId), isNotNull(connectors.status)))
      .orderBy(asc(connectors.connectorId));
    return {
      missedBoot: charger?.pending ? (charger.bootPayload ?? null) : null,
      statuses: statuses.map(({ connectorId, status }) => ({ connectorId, status: status ?? '' })),
    };
  }

  /** Proxy mode: this instance opened the charger's upstream connection at `at`. */
  async markUpstreamConnected(chargerId: string, at: Date): Promise<void> {
    await this.db.update(chargers).set({ upstreamConnectedAt: at }).where(eq(chargers.id, chargerId));
  }

  /**
   * The upstream connection opened at `since` is gone; a newer one (another instance's, after a handover) is
   * left as it is.
   */
  async markUpstreamDisconnected(chargerId: string, since: Date): Promise<void> {
    await this.db
      .update(chargers)
      .set({ upstreamConnectedAt: null })
      .where(and(eq(chargers.id, chargerId), eq(chargers.upstreamConnectedAt, since)));
  }

  /** Whether we have accepted a BootNotification of the charger, on any connection. */
  async hasBooted(chargerId: string): Promise<boolean> {
    const [row] = await this.db
      .select({ vendor: chargers.vendor })
      .from(chargers)
      .where(eq(chargers.id, chargerId));
    return row !== undefined && row.vendor !== null;
  }

  async recordCapabilities(chargerId: string, capabilities: ChargerCapabilities): Promise<void> {
    await this.db.update(chargers).set({ capabilities }).where(eq(chargers.id, chargerId));
  }

  /** Shown with the capabilities (of this connection once discovery has answered, else of an earlier one). */
  async recordStationMaxOutcome(chargerId: string, outcome: schema.StationMaxProfileOutcome): Promise<void> {
    await this.db
      .update(chargers)
      .set({
        capabilities: sql`${chargers.capabilities} || jsonb_build_object('stationMaxProfile', ${JSON.stringify(outcome)}::jsonb)`,
      })
      .where(and(eq(chargers.id, chargerId), isNotNull(chargers.capabilities)));
  }

  /** `connectors.id` of a registered connector, or null. */
  async findConnectorRef(chargerId: string, connectorId: number): Promise<string | null> {
    if (!fitsInt4(connectorId)) return null;
    const [row] = await this.db
      .select({ id: connectors.id })
      .from(connectors)
      .where(and(eq(connectors.chargerId, chargerId), eq(connectors.connectorId, connectorId)));
    return row?.id ?? null;
  }

  /**
   * The EV's state of charge as it told it outside meter values (ISO 15118 needs, our DataTransfer); the
   * connector's readings keep their time, since no current was read. False when the connector is not ours.
   */
  async recordSoc(chargerId: string, connectorId: number, socPercent: number): Promise<boolean> {
    if (!fitsInt4(connectorId)) return false;
    const updated = await this.db
      .update(connectors)
      .set({ socPercent })
      .where(and(eq(connectors.chargerId, chargerId), eq(connectors.connectorId, connectorId)))
      .returning({ id: connectors.id });
    return updated.length > 0;
  }

  /** False when the connector is not registered. */
  async updateConnectorStatus(
    chargerId: string,
    connectorId: number,
    status: string,
    at: Date,
  ): Promise<boolean> {
    if (!fitsInt4(connectorId)) return false;
    const updated = await this.db
      .update(connectors)
      .set({ status, statusAt: at })
      .where(and(eq(connectors.chargerId, chargerId), eq(connectors.connectorId, connectorId)))
      .returning({ id: connectors.id });
    return updated.length > 0;
  }

  /**
   * Stores a meter reading; a measurand the reading lacks keeps its previous value, since chargers often
   * report different measurands in different messages. A reading older than the stored one (queued while
   * the charger was offline) describes the past and changes nothing. The phases the reading shows are folded
   * into the session's phase evidence (`learnPhases`). Says whether the connector is registered, and whether
   * the phase count the planner takes for the session's energy changed.
   */
  async recordMeasurement(
    chargerId: string,
    connectorId: number,
    measurement: ConnectorMeasurement,
  ): Promise<MeasurementOutcome> {
    if (!fitsInt4(connectorId)) return { known: false, phasesInUseChanged: false };
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({
          id: connectors.id,
          phases: connectors.phases,
          measuredAt: connectors.measuredAt,
          phasesInUse: connectors.phasesInUse,
          phasesInUseMask: connectors.phasesInUseMask,
          phaseEvidence: connectors.phaseEvidence,
          registerWh: connectors.energyRegisterWh,
          countedWh: connectors.energyCountedWh,
          maxCurrentA: connectors.maxCurrentA,
          nominalVoltageV: sites.nominalVoltageV,
        })
        .from(connectors)
        .innerJoin(chargers, eq(chargers.id, connectors.chargerId))
        .innerJoin(sites, eq(sites.id, chargers.siteId))
        .where(and(eq(connectors.chargerId, chargerId), eq(connectors.connectorId, connectorId)))
        .for('update', { of: connectors });
      if (!row) return { known: false, phasesInUseChanged: false };
      if (row.measuredAt !== null && row.measuredAt > measurement.measuredAt) {
        return { known: true, phasesInUseChanged: false };
      }
      const energyCountedWh =
        measurement.energyWh === null
          ? null
          : countedEnergyOf(row, measurement.energyWh, measurement.measuredAt);
      const before = learningOf(row);
      const after = learnPhases(before, measurement.phasesInUse, measurement.measuredAt, row.phases);
      await tx
        .update(connectors)
        .set({
          measuredAt: measurement.measuredAt,
          ...(measurement.currentA !== null && { measuredCurrentA: measurement.currentA }),
          ...(measurement.powerW !== null && { measuredPowerW: measurement.powerW }),
          ...(measurement.energyWh !== null && { energyRegisterWh: measurement.energyWh, energyCountedWh }),
          ...(measurement.socPercent !== null && { socPercent: measurement.socPercent }),
          ...(measurement.offeredCurrentA !== null && { offeredCurrentA: measurement.offeredCurrentA }),
          phasesInUse: after.learned?.count ?? null,
          phasesInUseMask: after.learned?.mask ?? null,
          phaseEvidence: after.evidence,
        })
        .where(eq(connectors.id, row.id));
      const planned = (learning: PhaseLearning) => plannedPhaseCount(learning.learned, row.phases);
      return { known: true, phasesInUseChanged: planned(before) !== planned(after) };
    });
  }

  /**
   * Records whether the charger takes our profiles on this connector: a reason while it refuses them, null
   * once it accepts one. Resolves with the charger when that changed, so that its site can be re-planned;
   * null when nothing changed.
   */
  async setUncontrollable(
    connectorRef: string,
    reason: string | null,
  ): Promise<{ chargerId: string; identity: string; siteId: string } | null> {
    const [updated] = await this.db
      .update(connectors)
      .set({ uncontrollableReason: reason })
      .where(
        and(
          eq(connectors.id, connectorRef),
          sql`${connectors.uncontrollableReason} is distinct from ${reason}`,
        ),
      )
      .returning({ chargerId: connectors.chargerId });
    if (!updated) return null;
    const [charger] = await this.db
      .select({ chargerId: chargers.id, identity: chargers.identity, siteId: chargers.siteId })
      .from(chargers)
      .where(eq(chargers.id, updated.chargerId));
    return charger ?? null;
  }

  /**
   * The connector's open transaction (the most recent one if a stop was lost), or null: our id, and the one
   * its charger holds.
   */
  async activeTransaction(connectorRef: string): Promise<ActiveTransaction | null> {
    const [row] = await this.db
      .select({
        id: transactions.id,
        chargerTransactionId: transactions.chargerTransactionId,
        stationTransactionId: transactions.stationTransactionId,
      })
      .from(transactions)
      .where(and(eq(transactions.connectorRef, connectorRef), isNull(transactions.stoppedAt)))
      .orderBy(desc(transactions.startedAt), desc(transactions.id))
      .limit(1);
    return row ?? null;
  }
}

/**
 * What is read about a charger, its site and its connectors for its station maximum and its profiles: on
 * connect (`StationCeilingRepository`) and along with each push (the dispatch read), in one query each.
 */
export interface StationRow {
  capabilities: ChargerCapabilities | null;
  chargerMaxA: number | null;
  failSafeShareA: number | null;
  smartChargingExcluded: boolean;
  nominalVoltageV: number;
  /** L1, L2, L3; PostgreSQL may hand doubles of an array over as strings. */
  siteLimitsA: (number | string)[];
  /** What the site may draw on its DSO's fallback capacity; null when no DSO limits it. */
  siteFallbackA: number[] | null;
  baseLoadA: number[];
  chargersAtSite: number;
  connectors: { connectorId: number; maxCurrentA: number; phases: number; lineToLine?: string | null }[];
}

export function toStationMaxContext(row: StationRow): StationMaxContext {
  const connectorMaxA = new Map(row.connectors.map((c) => [c.connectorId, c.maxCurrentA]));
  return {
    capabilities: row.capabilities,
    nominalVoltageV: row.nominalVoltageV,
    safeShareA: chargerSafeShareA({
      failSafeShareA: row.failSafeShareA,
      siteLimitsA: row.siteLimitsA.map(Number),
      siteFallbackA: row.siteFallbackA,
      baseLoadA: row.baseLoadA,
      chargersAtSite: row.chargersAtSite,
      connectorMaxA: [...connectorMaxA.values()],
      chargerMaxA: row.chargerMaxA,
    }),
    // An EV on a line-to-line connector is offered one phase (at V_ll), as on a phase-to-neutral one.
    phases: row.connectors.length > 0 && row.connectors.every((c) => c.phases === 1 || c.lineToLine) ? 1 : 3,
    smartChargingExcluded: row.smartChargingExcluded,
    connectorMaxA,
  };
}

export function toProfileContext(station: StationMaxContext, connectorId: number): ProfileContext {
  const connectorMaxA = station.connectorMaxA.get(connectorId) ?? 0;
  return {
    capabilities: station.capabilities,
    nominalVoltageV: station.nominalVoltageV,
    safeShareA: connectorSafeShareA(station.safeShareA, station.connectorMaxA.size, connectorMaxA),
  };
}
