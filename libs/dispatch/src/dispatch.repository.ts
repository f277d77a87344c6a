import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import {
  ActiveTransaction,
  CeilingInputs,
  ProfileContext,
  SAFE_SHARE_COLUMNS,
  StationRow,
  toCeilingInputs,
  toProfileContext,
  toUpstreamProfiles,
  UpstreamProfileInput,
  UpstreamProfileRow,
} from '@gridflex/ocpp';
import { DATABASE, Database, PlannedPeriod, schema } from '@gridflex/persistence';
import { DispatchStatus, RETRYABLE_STATUSES, SetChargingProfileJob } from './dispatch.constants';
import { MicroBatcher } from './micro-batcher';
import { profileConnection } from './profile-connection';

/** A connector's latest plan, where to send it, and what building its profile needs. */
export interface DispatchTarget {
  connectorRef: string;
  version: number;
  periods: PlannedPeriod[];
  identity: string;
  connectorId: number;
  /** What the EV is offered (`numberPhases`) and the volts of each, for a limit in W (`profileConnection`). */
  phases: 1 | 2 | 3;
  profileVoltageV: number;
  /** Why the connector refuses our profiles; null while it accepts them. */
  uncontrollableReason: string | null;
  dispatchStatus: string;
  dispatchedVersion: number | null;
  context: ProfileContext;
  /** The connector's open transaction (the most recent one if a stop was lost), or null. */
  transaction: ActiveTransaction | null;
  /** What the charger's station maximum follows: its safe share and the latest plans of its connectors. */
  ceiling: CeilingInputs;
  /** The latest plan of each of the charger's connectors, this one's included. */
  chargerPlans: ConnectorPlan[];
  /** Proxy mode: the upstream central system's profiles on this connector and the whole charger. */
  upstreamProfiles: UpstreamProfileInput[];
}

export interface ConnectorPlan {
  connectorId: number;
  periods: PlannedPeriod[];
}

/** A connector's latest plan and how its latest push went. */
export interface Delivery {
  connectorRef: string;
  version: number;
  dispatchStatus: string;
  dispatchedVersion: number | null;
  dispatchedAt: Date | null;
}

export interface DispatchOutcome {
  connectorRef: string;
  version: number;
  status: DispatchStatus;
  detail: string | null;
  at: Date;
  /** When an accepted profile must be pushed again (see `renewalAt`); null: never. */
  renewAt?: Date | null;
}

const { chargers, connectors, connectorPlans, sites, transactions, upstreamChargingProfiles } = schema;

/** Each batch of pushes reads its targets, and records its outcomes, with one statement. */
const MAX_BATCH = 500;
/**
 * Under load, batches of reads (and of writes) start at most this often: at 1,000 pushes a second that is
 * five pushes a round trip at least, for at most this much more time per push.
 */
const BATCH_INTERVAL_MS = 5;

/**
 * Everything one push needs, for many connectors in one round trip: plan, connector, charger, site, the
 * charger's connectors and their plans, the site's charger count and the open transaction. Prepared once: Drizzle builds
 * the SQL text here and never again, and node-postgres parses it once per connection.
 */
function prepareTargetsQuery(db: Database) {
  const openTransaction = db
    .select({
      id: transactions.id,
      chargerTransactionId: transactions.chargerTransactionId,
      stationTransactionId: transactions.stationTransactionId,
    })
    .from(transactions)
    .where(and(eq(transactions.connectorRef, connectorPlans.connectorRef), isNull(transactions.stoppedAt)))
    .orderBy(desc(transactions.startedAt), desc(transactions.id))
    .limit(1)
    .as('open_transaction');
  return db
    .select({
      connectorRef: connectorPlans.connectorRef,
      version: connectorPlans.version,
      periods: connectorPlans.periods,
      dispatchStatus: connectorPlans.dispatchStatus,
      dispatchedVersion: connectorPlans.dispatchedVersion,
      identity: chargers.identity,
      connectorId: connectors.connectorId,
      phases: connectors.phases,
      lineToLine: connectors.lineToLine,
      lineToLineVoltageV: sites.lineToLineVoltageV,
      uncontrollableReason: connectors.uncontrollableReason,
      capabilities: chargers.capabilities,
      nominalVoltageV: sites.nominalVoltageV,
      ...SAFE_SHARE_COLUMNS,
      chargerConnectors: sql<StationRow['connectors'] | string>`(
        select json_agg(json_build_object(
          'connectorId', o.connector_id, 'maxCurrentA', o.max_current_a, 'phases', o.phases, 'lineToLine', o.line_to_line))
        from ${connectors} o where o.charger_id = ${chargers.id})`,
      chargerPlans: sql<ConnectorPlan[] | string>`(
        select coalesce(json_agg(json_build_object('connectorId', o.connector_id, 'periods', p.periods)), '[]')
        from ${connectorPlans} p
        join ${connectors} o on o.id = p.connector_ref where o.charger_id = ${chargers.id})`,
      transactionId: openTransaction.id,
      chargerTransactionId: openTransaction.chargerTransactionId,
      stationTransactionId: openTransaction.stationTransactionId,
      upstreamProfiles: sql<UpstreamProfileRow[] | string>`(
        select coalesce(json_agg(json_build_object(
          'connectorId', u.connector_id, 'stackLevel', u.stack_level, 'purpose', u.purpose,
          'schedule', u.schedule, 'receivedAt', u.received_at, 'transactionStartedAt', t.started_at)), '[]')
        from ${upstreamChargingProfiles} u
        left join ${transactions} t on t.id = u.transaction_id and t.stopped_at is null
        where u.charger_id = ${chargers.id} and u.connector_id in (0, ${connectors.connectorId}))`,
    })
    .from(connectorPlans)
    .innerJoin(connectors, eq(connectors.id, connectorPlans.connectorRef))
    .innerJoin(chargers, eq(chargers.id, connectors.chargerId))
    .innerJoin(sites, eq(sites.id, chargers.siteId))
    .leftJoinLateral(openTransaction, sql`true`)
    .where(sql`${connectorPlans.connectorRef} = any(${sql.placeholder('refs')}::uuid[])`)
    .prepare('dispatch_targets');
}

type TargetRow = Awaited<ReturnType<ReturnType<typeof prepareTargetsQuery>['execute']>>[number];

/** Outcomes of many pushes in one statement, each only for the plan version it belongs to. */
function prepareOutcomesQuery(db: Database) {
  return db
    .update(connectorPlans)
    .set({
      dispatchStatus: sql`v.status`,
      dispatchDetail: sql`v.detail`,
      dispatchedVersion: sql`v.version`,
      dispatchedAt: sql`v.at`,
      renewAt: sql`v.renew_at`,
    })
    .from(
      sql`json_to_recordset(${sql.placeholder('outcomes')}::json)
        as v(connector_ref uuid, version integer, status text, detail text, at timestamptz, renew_at timestamptz)`,
    )
    .where(sql`${connectorPlans.connectorRef} = v.connector_ref and ${connectorPlans.version} = v.version`)
    .prepare('dispatch_outcomes');
}

/** A sample of the pushes (`OCPP_VERIFY_PROFILES`) records what reading the charger's schedule back found. */
function prepareVerificationQuery(db: Database) {
  return db
    .update(connectorPlans)
    .set({
      verification: sql`${sql.placeholder('verdict')}`,
      verificationDetail: sql`${sql.placeholder('detail')}`,
      verifiedAt: sql`${sql.placeholder('at')}::timestamptz`,
    })
    .where(
      and(
        eq(connectorPlans.connectorRef, sql.placeholder('connectorRef')),
        eq(connectorPlans.version, sql.placeholder('version')),
      ),
    )
    .prepare('dispatch_verification');
}

/** Where a re-plan's pushes go: one array parameter however many connectors changed. */
function prepareIdentitiesQuery(db: Database) {
  return db
    .select({ connectorRef: connectors.id, identity: chargers.identity })
    .from(connectors)
    .innerJoin(chargers, eq(chargers.id, connectors.chargerId))
    .where(sql`${connectors.id} = any(${sql.placeholder('refs')}::uuid[])`)
    .prepare('dispatch_identities');
}

function toTarget(row: TargetRow): DispatchTarget {
  const ownConnectors =
    typeof row.chargerConnectors === 'string'
      ? (JSON.parse(row.chargerConnectors) as StationRow['connectors'])
      : row.chargerConnectors;
  const chargerPlans =
    typeof row.chargerPlans === 'string'
      ? (JSON.parse(row.chargerPlans) as ConnectorPlan[])
      : row.chargerPlans;
  const upstreamProfiles = toUpstreamProfiles(row.upstreamProfiles);
  const plans = chargerPlans.map((plan) => plan.periods);
  const ceiling = toCeilingInputs({ ...row, connectors: ownConnectors, plans, upstreamProfiles });
  return {
    connectorRef: row.connectorRef,
    version: row.version,
    periods: row.periods,
    identity: row.identity,
    connectorId: row.connectorId,
    ...profileConnection(row, row),
    uncontrollableReason: row.uncontrollableReason,
    dispatchStatus: row.dispatchStatus,
    dispatchedVersion: row.dispatchedVersion,
    context: toProfileContext(ceiling.station, row.connectorId),
    transaction:
      row.transactionId === null
        ? null
        : {
            id: row.transactionId,
            chargerTransactionId: row.chargerTransactionId,
            stationTransactionId: row.stationTransactionId,
          },
    ceiling,
    chargerPlans,
    upstreamProfiles,
  };
}

function toOutcomeRecord(outcome: DispatchOutcome) {
  return {
    connector_ref: outcome.connectorRef,
    version: outcome.version,
    status: outcome.status,
    detail: outcome.detail,
    at: outcome.at.toISOString(),
    renew_at: outcome.renewAt?.toISOString() ?? null,
  };
}

/**
 * One outcome per plan version: PostgreSQL would apply an arbitrary one of several matching rows. Pushes of
 * a connector run one at a time, so this only guards against a caller that does not wait for its write.
 */
function latestPerPlan(outcomes: DispatchOutcome[]): DispatchOutcome[] {
  return [...new Map(outcomes.map((o) => [`${o.connectorRef}.${o.version}`, o])).values()];
}

/** A PostgreSQL array literal; connector refs are UUIDs, which need no quoting. */
function uuidArray(refs: string[]): string {
  return `{${refs.join(',')}}`;
}

@Injectable()
export class DispatchRepository {
  private readonly targetsQuery: ReturnType<typeof prepareTargetsQuery>;
  private readonly outcomesQuery: ReturnType<typeof prepareOutcomesQuery>;
  private readonly identitiesQuery: ReturnType<typeof prepareIdentitiesQuery>;
  private readonly verificationQuery: ReturnType<typeof prepareVerificationQuery>;
  private readonly targets = new MicroBatcher(
    (refs: string[]) => this.loadBatch(refs),
    MAX_BATCH,
    BATCH_INTERVAL_MS,
  );
  private readonly outcomes = new MicroBatcher(
    (outcomes: DispatchOutcome[]) => this.recordBatch(outcomes),
    MAX_BATCH,
    BATCH_INTERVAL_MS,
  );

  constructor(@Inject(DATABASE) private readonly db: Database) {
    this.targetsQuery = prepareTargetsQuery(db);
    this.outcomesQuery = prepareOutcomesQuery(db);
    this.identitiesQuery = prepareIdentitiesQuery(db);
    this.verificationQuery = prepareVerificationQuery(db);
  }

  /** The connector's target, read together with those of the pushes running meanwhile. */
  loadTarget(connectorRef: string): Promise<DispatchTarget | undefined> {
    return this.targets.call(connectorRef);
  }

  /** connectorRef → its target; connectors without a plan are absent. */
  async loadTargets(connectorRefs: string[]): Promise<Map<string, DispatchTarget>> {
    if (connectorRefs.length === 0) return new Map();
    const rows = await this.targetsQuery.execute({ refs: uuidArray([...new Set(connectorRefs)]) });
    return new Map(rows.map((row) => [row.connectorRef, toTarget(row)]));
  }

  /**
   * Records an outcome, unless a newer plan version has replaced the one it belongs to; written together
   * with the outcomes of the pushes finishing meanwhile.
   */
  recordOutcome(
    connectorRef: string,
    version: number,
    status: DispatchStatus,
    detail: string | null,
    at: Date,
    renewAt: Date | null = null,
  ): Promise<void> {
    return this.outcomes.call({ connectorRef, version, status, detail, at, renewAt });
  }

  /** Outcomes of many pushes, in one statement. */
  async recordOutcomes(outcomes: DispatchOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.outcomesQuery.execute({ outcomes: JSON.stringify(outcomes.map(toOutcomeRecord)) });
  }

  private async loadBatch(refs: string[]): Promise<(DispatchTarget | undefined)[]> {
    const targets = await this.loadTargets(refs);
    return refs.map((ref) => targets.get(ref));
  }

  private async recordBatch(outcomes: DispatchOutcome[]): Promise<void[]> {
    await this.recordOutcomes(latestPerPlan(outcomes));
    return outcomes.map(() => undefined);
  }

  /** What reading the composite schedule back found, unless a newer plan version has replaced this one. */
  async recordVerification(
    connectorRef: string,
    version: number,
    result: { verdict: string; detail: string },
    at: Date,
  ): Promise<void> {
    await this.verificationQuery.execute({
      connectorRef,
      version,
      verdict: result.verdict,
      detail: result.detail,
      at: at.toISOString(),
    });
  }

  /** connectorRef → identity of its charger. */
  async identitiesOf(connectorRefs: string[]): Promise<Map<string, string>> {
    if (connectorRefs.length === 0) return new Map();
    const rows = await this.identitiesQuery.execute({ refs: uuidArray(connectorRefs) });
    return new Map(rows.map((row) => [row.connectorRef, row.identity]));
  }

  /** Plans whose charger no instance holds: they go out when it connects. Newer versions are left alone. */
  async recordOffline(plans: SetChargingProfileJob[], at: Date): Promise<void> {
    if (plans.length === 0) return;
    const versions = sql.join(
      plans.map(({ connectorRef, version }) => sql`(${connectorRef}::uuid, ${version}::integer)`),
      sql`, `,
    );
    await this.db
      .update(schema.connectorPlans)
      .set({
        dispatchStatus: 'charger-offline',
        dispatchDetail: 'Charger not connected; sent when it connects',
        dispatchedVersion: sql`${schema.connectorPlans.version}`,
        dispatchedAt: at,
      })
      .where(sql`(${schema.connectorPlans.connectorRef}, ${schema.connectorPlans.version}) in (${versions})`);
  }

  /**
   * Latest plans that have not reached their charger and nobody is working on: still pending since before
   * `before`, or last tried before `before` and not refused by the charger.
   */
  undelivered(before: Date): Promise<SetChargingProfileJob[]> {
    const plans = schema.connectorPlans;
    return this.db
      .select({ connectorRef: plans.connectorRef, version: plans.version })
      .from(plans)
      .where(
        and(
          inArray(plans.dispatchStatus, [...RETRYABLE_STATUSES]),
          or(
            and(eq(plans.dispatchStatus, 'pending'), lt(plans.plannedAt, before)),
            and(sql`${plans.dispatchStatus} <> 'pending'`, lt(plans.dispatchedAt, before)),
          ),
        ),
      );
  }

  /** Accepted plans whose profile stops following them by `now` (see `renewalAt`): they are pushed again. */
  dueForRenewal(now: Date): Promise<(SetChargingProfileJob & { renewAt: Date | null })[]> {
    const plans = schema.connectorPlans;
    return this.db
      .select({ connectorRef: plans.connectorRef, version: plans.version, renewAt: plans.renewAt })
      .from(plans)
      .where(
        and(
          eq(plans.dispatchStatus, 'accepted'),
          eq(plans.dispatchedVersion, plans.version),
          lte(plans.renewAt, now),
        ),
      );
  }

  /** The latest plan of each of the charger's connectors, with how its latest push went. */
  plansForCharger(chargerId: string): Promise<(SetChargingProfileJob & { dispatchStatus: string })[]> {
    return this.db
      .select({
        connectorRef: schema.connectorPlans.connectorRef,
        version: schema.connectorPlans.version,
        dispatchStatus: schema.connectorPlans.dispatchStatus,
      })
      .from(schema.connectorPlans)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.connectorPlans.connectorRef))
      .where(eq(schema.connectors.chargerId, chargerId));
  }

  /** The latest plan of the charger's connectors `connectorIds` (all of them when null). */
  latestPlansOf(chargerId: string, connectorIds: number[] | null): Promise<SetChargingProfileJob[]> {
    return this.db
      .select({ connectorRef: connectorPlans.connectorRef, version: connectorPlans.version })
      .from(connectorPlans)
      .innerJoin(connectors, eq(connectors.id, connectorPlans.connectorRef))
      .where(
        and(
          eq(connectors.chargerId, chargerId),
          connectorIds === null ? undefined : inArray(connectors.connectorId, connectorIds),
        ),
      );
  }

  /** How the latest push of each connector's latest plan went. */
  deliveries(connectorRefs: string[]): Promise<Delivery[]> {
    if (connectorRefs.length === 0) return Promise.resolve([]);
    return this.db
      .select({
        connectorRef: connectorPlans.connectorRef,
        version: connectorPlans.version,
        dispatchStatus: connectorPlans.dispatchStatus,
        dispatchedVersion: connectorPlans.dispatchedVersion,
        dispatchedAt: connectorPlans.dispatchedAt,
      })
      .from(connectorPlans)
      .where(inArray(connectorPlans.connectorRef, connectorRefs));
  }

  /**
   * The latest plan of each of the charger's connectors that has a transaction running, with that
   * transaction's id: a plan sent before the transaction started went out as a TxDefaultProfile.
   */
  plansWithOpenTransaction(
    chargerId: string,
  ): Promise<(SetChargingProfileJob & { transactionId: number })[]> {
    return this.db
      .select({
        connectorRef: schema.connectorPlans.connectorRef,
        version: schema.connectorPlans.version,
        transactionId: schema.transactions.id,
      })
      .from(schema.connectorPlans)
      .innerJoin(schema.connectors, eq(schema.connectors.id, schema.connectorPlans.connectorRef))
      .innerJoin(
        schema.transactions,
        and(
          eq(schema.transactions.connectorRef, schema.connectorPlans.connectorRef),
          isNull(schema.transactions.stoppedAt),
        ),
      )
      .where(eq(schema.connectors.chargerId, chargerId));
  }
}
