import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { externalLimitA, upstreamBoundAt, upstreamBoundChanges, UpstreamProfileInput } from '@gridflex/ocpp';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { evLimits } from './ev-wishes/ev-wish';

/** A connector as the planner sees it: where it hangs, what it can take, whether an EV is there. */
export interface PlanningConnector {
  connectorRef: string;
  siteId: string;
  identity: string;
  connectorId: number;
  /** The phases the connector is wired to: what it reserves on the grid, whatever its EV draws on. */
  phases: number;
  /** Wired between these two grid lines (then `phases` is 2) instead of to neutral. */
  lineToLine?: schema.LinePair | null;
  maxCurrentA: number;
  status: string | null;
  statusAt: Date | null;
  transactionStartedAt: Date | null;
  /** Placement in the site model; absent fields mean a charger straight under the site, default minimum. */
  chargerId?: string;
  circuitId?: string | null;
  chargerMaxCurrentA?: number | null;
  phaseRotation?: schema.GridPhase[];
  smartChargingExcluded?: boolean;
  minCurrentA?: number;
  priority?: number;
  /** Told through the API for the running session: overrides `priority` while it runs. */
  sessionPriority?: number | null;
  /** Told through the API for the running session: the energy the EV still wants, and when it leaves. */
  energyWantedWh?: number | null;
  departureAt?: Date | null;
  /** Set while the charger refuses our profiles on this connector: it draws up to its maximum. */
  uncontrollableReason?: string | null;
  /**
   * Fewer than `phases` when the running session's EV was learnt to draw on fewer: its energy per ampere, never
   * what it reserves (`sessionPhasesInUse`).
   */
  phasesInUse?: number;
  /** Proxy mode: the upstream sets a charger maximum on the charger, which its connectors share at dispatch. */
  sharesUpstreamChargerMax?: boolean;
  /** Proxy mode: the next instant at which the upstream's bound on this connector may change (ms). */
  nextUpstreamChangeMs?: number;
}

interface OpenSession {
  startedAt: Date;
  priority: number | null;
  energyWantedWh: number | null;
  departureAt: Date | null;
  meterStartWh: number;
  evMinCurrentA: number | null;
  evMaxCurrentA: number | null;
  evMaxPowerW: number | null;
  evPhases: number | null;
}

/** A circuit of a site, with its per-phase limit. */
export interface PlanningCircuit {
  id: string;
  siteId: string;
  name: string;
  parentId: string | null;
  limitsA: [number, number, number];
  /** A transformer at its head whose line-current magnitudes limit it; null: none. */
  transformer?: schema.TransformerColumn | null;
}

/** Reads the inputs of a plan in a few queries. */
@Injectable()
export class PlanningRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * Besides what is configured, what the chargers told us: while a session runs, the phases its EV was learnt
   * to draw on (`sessionPhasesInUse`), and the external limits 2.0.1 stations reported (`withChargingLimits`).
   */
  async connectorsOfSites(siteIds: string[], now = new Date()): Promise<PlanningConnector[]> {
    if (siteIds.length === 0) return [];
    const rows = await this.db
      .select({
        connectorRef: schema.connectors.id,
        siteId: schema.chargers.siteId,
        identity: schema.chargers.identity,
        connectorId: schema.connectors.connectorId,
        phases: schema.connectors.phases,
        lineToLine: schema.connectors.lineToLine,
        maxCurrentA: schema.connectors.maxCurrentA,
        status: schema.connectors.status,
        statusAt: schema.connectors.statusAt,
        chargerId: schema.chargers.id,
        circuitId: schema.chargers.circuitId,
        chargerMaxCurrentA: schema.chargers.maxCurrentA,
        phaseRotation: schema.chargers.phaseRotation,
        smartChargingExcluded: schema.chargers.smartChargingExcluded,
        minCurrentA: schema.connectors.minCurrentA,
        priority: schema.connectors.priority,
        uncontrollableReason: schema.connectors.uncontrollableReason,
        phasesInUse: schema.connectors.phasesInUse,
        energyRegisterWh: schema.connectors.energyRegisterWh,
        nominalVoltageV: schema.sites.nominalVoltageV,
      })
      .from(schema.connectors)
      .innerJoin(schema.chargers, eq(schema.chargers.id, schema.connectors.chargerId))
      .innerJoin(schema.sites, eq(schema.sites.id, schema.chargers.siteId))
      .where(inArray(schema.chargers.siteId, siteIds))
      .orderBy(asc(schema.chargers.identity), asc(schema.connectors.connectorId));
    const open = await this.openSessions(rows.map((r) => r.connectorRef));
    const connectors = rows.map(({ phasesInUse, energyRegisterWh, nominalVoltageV, ...row }) => {
      const session = open.get(row.connectorRef);
      return {
        ...row,
        ...(session && sessionPhasesInUse(row, phasesInUse)),
        ...(session && evLimits(row, session, phasesInUse, nominalVoltageV)),
        transactionStartedAt: session?.startedAt ?? null,
        sessionPriority: session?.priority ?? null,
        energyWantedWh: session ? stillWantedWh(session, row, energyRegisterWh, now) : null,
        departureAt: session?.departureAt ?? null,
      };
    });
    return this.withUpstreamBounds(await this.withChargingLimits(connectors, now), now);
  }

  /**
   * Proxy mode: the upstream central system's profiles are the customer's or CSMS's own upper bound, taken at
   * `now` as a charger composes them (`upstreamBoundAt`): the connector's TxProfile or TxDefaultProfile lowers its
   * maximum, the charger maximum the charger's. Dispatch clamps the sent schedule to them at every later instant;
   * the scope is planned again when the bound next changes (`nextUpstreamChangeMs`).
   */
  private async withUpstreamBounds(connectors: PlanningConnector[], now: Date): Promise<PlanningConnector[]> {
    const chargerIds = chargerIdsOf(connectors);
    if (chargerIds.length === 0) return connectors;
    const byCharger = await this.upstreamProfiles(chargerIds);
    if (byCharger.size === 0) return connectors;
    return connectors.map((connector) => {
      const upstream = byCharger.get(connector.chargerId ?? '');
      if (!upstream) return connector;
      const bound = upstreamBoundAt(
        upstream.profiles,
        connector.connectorId,
        now.getTime(),
        upstream.voltageV,
      );
      const concerning = upstream.profiles.filter(
        (p) => p.connectorId === 0 || p.connectorId === connector.connectorId,
      );
      const [nextChangeMs] = upstreamBoundChanges(concerning, now.getTime());
      return {
        ...underBounds(connector, bound.connectorA ?? Infinity, bound.chargerA ?? Infinity),
        sharesUpstreamChargerMax: upstream.profiles.some((p) => p.purpose === 'ChargerMax'),
        ...(nextChangeMs !== undefined && { nextUpstreamChangeMs: nextChangeMs }),
      };
    });
  }

  /** chargerId → its upstream's profiles, with the site voltage their limits in W are converted over. */
  private async upstreamProfiles(
    chargerIds: string[],
  ): Promise<Map<string, { profiles: UpstreamProfileInput[]; voltageV: number }>> {
    const { chargers, sites, transactions, upstreamChargingProfiles: profiles } = schema;
    const rows = await this.db
      .select({
        chargerId: profiles.chargerId,
        connectorId: profiles.connectorId,
        stackLevel: profiles.stackLevel,
        purpose: profiles.purpose,
        schedule: profiles.schedule,
        receivedAt: profiles.receivedAt,
        transactionStartedAt: transactions.startedAt,
        voltageV: sites.nominalVoltageV,
      })
      .from(profiles)
      .innerJoin(chargers, eq(chargers.id, profiles.chargerId))
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .leftJoin(
        transactions,
        and(eq(transactions.id, profiles.transactionId), isNull(transactions.stoppedAt)),
      )
      .where(inArray(profiles.chargerId, chargerIds));
    const byCharger = new Map<string, { profiles: UpstreamProfileInput[]; voltageV: number }>();
    for (const { chargerId, voltageV, ...profile } of rows) {
      const entry = byCharger.get(chargerId) ?? { profiles: [], voltageV };
      entry.profiles.push(profile);
      byCharger.set(chargerId, entry);
    }
    return byCharger;
  }

  /**
   * An external limit on an EVSE lowers its connector's maximum; one on the whole station (EVSE 0) lowers the
   * charger's maximum, which the planner applies to all its connectors together.
   */
  private async withChargingLimits(connectors: PlanningConnector[], now: Date): Promise<PlanningConnector[]> {
    const chargerIds = chargerIdsOf(connectors);
    if (chargerIds.length === 0) return connectors;
    const { chargingLimits, chargers, sites } = schema;
    const limits = await this.db
      .select({
        chargerId: chargingLimits.chargerId,
        evseId: chargingLimits.evseId,
        schedules: chargingLimits.schedules,
        nominalVoltageV: sites.nominalVoltageV,
      })
      .from(chargingLimits)
      .innerJoin(chargers, eq(chargers.id, chargingLimits.chargerId))
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .where(inArray(chargingLimits.chargerId, chargerIds));
    if (limits.length === 0) return connectors;
    const bound = (chargerId: string | undefined, evseId: number) =>
      Math.min(
        ...limits
          .filter((limit) => limit.chargerId === chargerId && limit.evseId === evseId)
          .map((limit) => externalLimitA(limit.schedules, now, limit.nominalVoltageV) ?? Infinity),
      );
    return connectors.map((connector) =>
      underBounds(
        connector,
        bound(connector.chargerId, connector.connectorId),
        bound(connector.chargerId, 0),
      ),
    );
  }

  async circuitsOfSites(siteIds: string[]): Promise<PlanningCircuit[]> {
    if (siteIds.length === 0) return [];
    const rows = await this.db
      .select()
      .from(schema.circuits)
      .where(inArray(schema.circuits.siteId, siteIds))
      .orderBy(asc(schema.circuits.createdAt), asc(schema.circuits.id));
    return rows.map((c) => ({
      id: c.id,
      siteId: c.siteId,
      name: c.name,
      parentId: c.parentId,
      limitsA: [c.limitL1A, c.limitL2A, c.limitL3A],
      transformer: c.transformer,
    }));
  }

  async peakShavingRulesOfSites(siteIds: string[]): Promise<(typeof schema.peakShavingRules.$inferSelect)[]> {
    if (siteIds.length === 0) return [];
    return this.db
      .select()
      .from(schema.peakShavingRules)
      .where(inArray(schema.peakShavingRules.siteId, siteIds))
      .orderBy(asc(schema.peakShavingRules.createdAt), asc(schema.peakShavingRules.id));
  }

  /** Whether a session running on the charger told the energy it wants: only then its phases shape its plan. */
  async hasSessionWithEnergyWanted(chargerId: string): Promise<boolean> {
    const { connectors, sessionPreferences: preferences, transactions } = schema;
    const [row] = await this.db
      .select({ id: transactions.id })
      .from(transactions)
      .innerJoin(connectors, eq(connectors.id, transactions.connectorRef))
      .innerJoin(preferences, eq(preferences.transactionId, transactions.id))
      .where(
        and(
          eq(connectors.chargerId, chargerId),
          isNull(transactions.stoppedAt),
          isNotNull(preferences.energyWantedWh),
        ),
      )
      .limit(1);
    return row !== undefined;
  }

  /** Whether we steer the connector: null when the charger has no such connector. */
  async connectorSteering(
    chargerId: string,
    connectorId: number,
  ): Promise<{ smartChargingExcluded: boolean; uncontrollableReason: string | null } | null> {
    const [row] = await this.db
      .select({
        smartChargingExcluded: schema.chargers.smartChargingExcluded,
        uncontrollableReason: schema.connectors.uncontrollableReason,
      })
      .from(schema.connectors)
      .innerJoin(schema.chargers, eq(schema.chargers.id, schema.connectors.chargerId))
      .where(and(eq(schema.connectors.chargerId, chargerId), eq(schema.connectors.connectorId, connectorId)));
    return row ?? null;
  }

  /** The open session of each connector: when it started and what the CPO or driver told us about it. */
  private async openSessions(connectorRefs: string[]): Promise<Map<string, OpenSession>> {
    if (connectorRefs.length === 0) return new Map();
    const { sessionPreferences: preferences, transactions } = schema;
    const open = await this.db
      .select({
        connectorRef: transactions.connectorRef,
        startedAt: transactions.startedAt,
        priority: preferences.priority,
        energyWantedWh: preferences.energyWantedWh,
        departureAt: preferences.departureAt,
        meterStartWh: transactions.meterStartWh,
        evMinCurrentA: preferences.evMinCurrentA,
        evMaxCurrentA: preferences.evMaxCurrentA,
        evMaxPowerW: preferences.evMaxPowerW,
        evPhases: preferences.evPhases,
      })
      .from(schema.transactions)
      .leftJoin(preferences, eq(preferences.transactionId, transactions.id))
      .where(
        and(inArray(schema.transactions.connectorRef, connectorRefs), isNull(schema.transactions.stoppedAt)),
      )
      .orderBy(asc(schema.transactions.startedAt));
    return new Map(open.map((t) => [t.connectorRef, t]));
  }
}

/** Above any mains voltage we plan for: bounds what a connector can have delivered in a given time. */
const HIGHEST_PHASE_VOLTAGE_V = 250;

/**
 * The energy wanted is for the whole session (as ISO 15118 and OCPP 2.0.1 state it): what the meter counted
 * since the session started is already delivered, so each re-plan asks only for the rest. A count the
 * connector could not have delivered in the time (a 2.0.1 start without a meter reading, compared with a
 * lifetime register) is not believed: the whole energy is then still wanted.
 */
function stillWantedWh(
  session: OpenSession,
  connector: { maxCurrentA: number; phases: number },
  energyRegisterWh: number | null,
  now: Date,
): number | null {
  if (session.energyWantedWh === null) return null;
  const countedWh = energyRegisterWh === null ? 0 : Math.max(0, energyRegisterWh - session.meterStartWh);
  const hours = Math.max(0, now.getTime() - session.startedAt.getTime()) / 3_600_000;
  const possibleWh = connector.maxCurrentA * connector.phases * HIGHEST_PHASE_VOLTAGE_V * hours;
  const deliveredWh = countedWh <= possibleWh ? countedWh : 0;
  return Math.max(0, session.energyWantedWh - deliveredWh);
}

/**
 * The phases the session's EV was learnt (on sustained evidence) to draw on, when fewer than the connector has:
 * only how fast its energy is delivered. What it reserves on the grid stays on every phase its connector is
 * wired to, since an A limit applies to each phase the EV draws on and it may switch phases at any moment.
 */
function sessionPhasesInUse(
  connector: { phases: number },
  phasesInUse: number | null,
): Pick<PlanningConnector, 'phasesInUse'> | undefined {
  if (phasesInUse === null || phasesInUse < 1 || phasesInUse >= connector.phases) return undefined;
  return { phasesInUse };
}

/** The chargers the connectors belong to, each once. */
function chargerIdsOf(connectors: PlanningConnector[]): string[] {
  return [...new Set(connectors.flatMap((c) => (c.chargerId ? [c.chargerId] : [])))];
}

/**
 * The connector under a bound of its own and one on its whole charger (Infinity: none), which the planner
 * applies to all the charger's connectors together.
 */
function underBounds(connector: PlanningConnector, connectorA: number, chargerA: number): PlanningConnector {
  return {
    ...connector,
    maxCurrentA: Math.min(connector.maxCurrentA, connectorA),
    ...(chargerA < Infinity && {
      chargerMaxCurrentA: Math.min(connector.chargerMaxCurrentA ?? Infinity, chargerA),
    }),
  };
}
