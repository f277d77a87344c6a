import { Inject, Injectable } from '@nestjs/common';
import { eq, sql } from 'drizzle-orm';
import { DATABASE, Database, PlannedPeriod, schema } from '@gridflex/persistence';
import {
  SAFE_SHARE_COLUMNS,
  StationMaxContext,
  StationRow,
  toStationMaxContext,
} from './charger-state.repository';
import type { UpstreamProfileInput } from './profiles/upstream-composite';

/** What the station-wide maximum of a charger follows. */
export interface CeilingInputs {
  /** What building the charger's station maximum needs: its safe share, capabilities, connectors. */
  station: StationMaxContext;
  /**
   * The most the charger can ever be meant to draw, A per phase: what its site's tightest phase leaves beside
   * the base load, its own maximum, its connectors' maxima together. A plan above it is wrong, and not followed.
   */
  capA: number;
  /** The latest plan of each of the charger's connectors that has one. */
  plans: PlannedPeriod[][];
  /** Proxy mode: the upstream central system's charger maximum profiles, which the ceiling stays within. */
  upstreamChargerMax: UpstreamProfileInput[];
}

/**
 * Reads what the station maximum of a charger follows in one query, when the charger connects; the dispatch
 * worker reads the same along with each push (`toCeilingInputs`).
 */
@Injectable()
export class StationCeilingRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Null when the charger is not registered. */
  async ceilingInputs(chargerId: string): Promise<CeilingInputs | null> {
    const { chargers, connectorPlans, connectors, sites } = schema;
    const [row] = await this.db
      .select({
        capabilities: chargers.capabilities,
        nominalVoltageV: sites.nominalVoltageV,
        ...SAFE_SHARE_COLUMNS,
        connectors: sql<StationRow['connectors']>`(
          select coalesce(jsonb_agg(jsonb_build_object(
            'connectorId', c.connector_id, 'maxCurrentA', c.max_current_a, 'phases', c.phases, 'lineToLine', c.line_to_line)), '[]'::jsonb)
          from ${connectors} c where c.charger_id = ${chargers.id})`,
        plans: sql<
          PlannedPeriod[][]
        >`(select coalesce(jsonb_agg(p.periods), '[]'::jsonb) from ${connectorPlans} p join ${connectors} c on c.id = p.connector_ref where c.charger_id = ${chargers.id})`,
        upstreamProfiles: upstreamChargerMaxColumn(),
      })
      .from(chargers)
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .where(eq(chargers.id, chargerId));
    return row
      ? toCeilingInputs({ ...row, upstreamProfiles: toUpstreamProfiles(row.upstreamProfiles) })
      : null;
  }
}

/** An upstream profile as read in JSON (instants as text). */
export interface UpstreamProfileRow extends Omit<
  UpstreamProfileInput,
  'receivedAt' | 'transactionStartedAt'
> {
  receivedAt: string;
  transactionStartedAt: string | null;
}

/**
 * The upstream's charger maximum profiles of the charger of the query (`chargers.id`) as one JSON column. A
 * charger maximum belongs to no transaction, so none is joined.
 */
function upstreamChargerMaxColumn() {
  const { chargers, upstreamChargingProfiles: u } = schema;
  return sql<UpstreamProfileRow[]>`(
    select coalesce(jsonb_agg(jsonb_build_object(
      'connectorId', ${u.connectorId}, 'stackLevel', ${u.stackLevel}, 'purpose', ${u.purpose},
      'schedule', ${u.schedule}, 'receivedAt', ${u.receivedAt}, 'transactionStartedAt', null)), '[]'::jsonb)
    from ${u} where ${u.chargerId} = ${chargers.id} and ${u.purpose} = 'ChargerMax')`;
}

/** Upstream profiles as the composite needs them, from their JSON (a driver may return it unparsed). */
export function toUpstreamProfiles(column: UpstreamProfileRow[] | string): UpstreamProfileInput[] {
  const rows = typeof column === 'string' ? (JSON.parse(column) as UpstreamProfileRow[]) : column;
  return rows.map((row) => ({
    ...row,
    receivedAt: new Date(row.receivedAt),
    transactionStartedAt: row.transactionStartedAt === null ? null : new Date(row.transactionStartedAt),
  }));
}

/**
 * What the station maximum follows, from what is read about the charger, its site, connectors, plans and (in
 * proxy mode) its upstream's profiles, of which only the charger maximum counts here.
 */
export function toCeilingInputs(
  row: StationRow & { plans: PlannedPeriod[][]; upstreamProfiles: UpstreamProfileInput[] },
): CeilingInputs {
  const headroomA = row.siteLimitsA.map((limit, phase) => Number(limit) - (row.baseLoadA[phase] ?? 0));
  const connectorsTogetherA = row.connectors.reduce((sum, c) => sum + c.maxCurrentA, 0);
  return {
    station: toStationMaxContext(row),
    capA: Math.max(0, Math.min(...headroomA, connectorsTogetherA, row.chargerMaxA ?? Infinity)),
    plans: row.plans,
    upstreamChargerMax: row.upstreamProfiles.filter((profile) => profile.purpose === 'ChargerMax'),
  };
}
