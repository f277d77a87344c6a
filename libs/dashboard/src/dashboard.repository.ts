import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, gte, inArray, isNull, lt } from 'drizzle-orm';
import { DATABASE, Database, PlannedPeriod, schema } from '@gridflex/persistence';

/** A connector with its charger, latest state, plan and dispatch outcome, as the dashboard lists it. */
export interface DashboardConnectorRow {
  connectorRef: string;
  siteId: string;
  identity: string;
  ocppVersion: string;
  chargerConnected: boolean;
  connectorId: number;
  phases: number;
  lineToLine: schema.LinePair | null;
  phaseRotation: string[];
  maxCurrentA: number;
  status: string | null;
  measuredCurrentA: [number | null, number | null, number | null] | null;
  measuredAt: Date | null;
  uncontrollableReason: string | null;
  transactionStartedAt: Date | null;
  socPercent: number | null;
  /** The running session's stored wish: who told it, and what (null without a session or a wish). */
  wish: { source: schema.WishSource; energyWantedWh: number | null; departureAt: Date | null } | null;
  planVersion: number | null;
  periods: PlannedPeriod[] | null;
  dispatchStatus: string | null;
  dispatchDetail: string | null;
  dispatchedAt: Date | null;
}

export type LoadSample = typeof schema.siteLoadSamples.$inferInsert;
export type StoredLoadSample = typeof schema.siteLoadSamples.$inferSelect;

/** Reads for the dashboard in a few queries, and the load samples it keeps for its charts. */
@Injectable()
export class DashboardRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async connectorsOfSites(siteIds: string[]): Promise<DashboardConnectorRow[]> {
    if (siteIds.length === 0) return [];
    const { chargers, connectors, connectorPlans: plans, transactions, sessionPreferences } = schema;
    const rows = await this.db
      .select({
        connectorRef: connectors.id,
        siteId: chargers.siteId,
        identity: chargers.identity,
        ocppVersion: chargers.ocppVersion,
        chargerConnected: chargers.connected,
        connectorId: connectors.connectorId,
        phases: connectors.phases,
        lineToLine: connectors.lineToLine,
        phaseRotation: chargers.phaseRotation,
        maxCurrentA: connectors.maxCurrentA,
        status: connectors.status,
        measuredCurrentA: connectors.measuredCurrentA,
        measuredAt: connectors.measuredAt,
        uncontrollableReason: connectors.uncontrollableReason,
        transactionStartedAt: transactions.startedAt,
        socPercent: connectors.socPercent,
        wishSource: sessionPreferences.source,
        energyWantedWh: sessionPreferences.energyWantedWh,
        departureAt: sessionPreferences.departureAt,
        planVersion: plans.version,
        periods: plans.periods,
        dispatchStatus: plans.dispatchStatus,
        dispatchDetail: plans.dispatchDetail,
        dispatchedAt: plans.dispatchedAt,
      })
      .from(connectors)
      .innerJoin(chargers, eq(chargers.id, connectors.chargerId))
      .leftJoin(plans, eq(plans.connectorRef, connectors.id))
      .leftJoin(
        transactions,
        and(eq(transactions.connectorRef, connectors.id), isNull(transactions.stoppedAt)),
      )
      .leftJoin(sessionPreferences, eq(sessionPreferences.transactionId, transactions.id))
      .where(inArray(chargers.siteId, siteIds))
      .orderBy(asc(chargers.identity), asc(connectors.connectorId));
    // A lost StopTransaction can leave two open transactions on a connector: list it once.
    const seen = new Set<string>();
    return rows
      .filter((row) => !seen.has(row.connectorRef) && seen.add(row.connectorRef))
      .map(({ wishSource, energyWantedWh, departureAt, ...row }) => ({
        ...row,
        wish: wishSource === null ? null : { source: wishSource, energyWantedWh, departureAt },
      }));
  }

  async insertSamples(samples: LoadSample[]): Promise<void> {
    if (samples.length > 0) await this.db.insert(schema.siteLoadSamples).values(samples);
  }

  /** Oldest first. */
  samplesSince(siteIds: string[], since: Date): Promise<StoredLoadSample[]> {
    if (siteIds.length === 0) return Promise.resolve([]);
    const { siteLoadSamples: samples } = schema;
    return this.db
      .select()
      .from(samples)
      .where(and(inArray(samples.siteId, siteIds), gte(samples.at, since)))
      .orderBy(asc(samples.at), asc(samples.id));
  }

  /** Per site, so that the (site, at) index serves the delete. */
  async deleteSamplesBefore(siteIds: string[], before: Date): Promise<void> {
    if (siteIds.length === 0) return;
    const { siteLoadSamples: samples } = schema;
    await this.db.delete(samples).where(and(inArray(samples.siteId, siteIds), lt(samples.at, before)));
  }
}
