import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, ne, not, sql } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { storedBlocksViolation } from './forecast-bounds';
import { CapacityForecastType, UpdateGroupCapacityForecast } from './oscp.types';

export interface NewCapacityForecast {
  peerId: string;
  requestId: string;
  groupId: string;
  type: CapacityForecastType;
  /** The validated body as received, unknown extra fields included. */
  body: UpdateGroupCapacityForecast;
}

export interface ForecastSegment extends NewCapacityForecast {
  /** 1-based. */
  index: number;
  count: number;
}

/** A segment that does not fit the set being received; nothing was stored. */
export class SegmentOutOfSequenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = SegmentOutOfSequenceError.name;
  }
}

/** A segment that would make the blocks held for its group's segment sets too many; nothing was stored. */
export class StoredBlocksExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = StoredBlocksExceededError.name;
  }
}

export interface StoredCapacityForecast {
  id: string;
  peerId: string;
  requestId: string;
  receivedAt: Date;
  body: UpdateGroupCapacityForecast;
}

@Injectable()
export class CapacityForecastsRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** Returns the id of the stored forecast. */
  async insert(forecast: NewCapacityForecast): Promise<string> {
    const [row] = await this.db
      .insert(schema.capacityForecasts)
      .values(forecast)
      .returning({ id: schema.capacityForecasts.id });
    return row.id;
  }

  /**
   * Keeps a segment of a forecast of (peer, group, type). Segment 1 starts a new set, dropping any
   * unfinished one; the last missing segment joins the set, in index order, into one forecast with
   * the first segment's request id, whose id is returned. Throws `SegmentOutOfSequenceError` for a
   * segment that belongs to no set being received, `StoredBlocksExceededError` for one that would make the
   * segments held for the group (of all its peers and types, this one included) exceed `maxStoredBlocks`.
   */
  async storeSegment(segment: ForecastSegment, maxStoredBlocks: number): Promise<string | undefined> {
    const { capacityForecastSegments: segments } = schema;
    return this.db.transaction(async (tx) => {
      const sameSeries = and(
        eq(segments.peerId, segment.peerId),
        eq(segments.groupId, segment.groupId),
        eq(segments.type, segment.type),
      );
      if (segment.index === 1) {
        await tx.delete(segments).where(sameSeries);
      } else {
        const [other] = await tx
          .select({ count: segments.segmentCount })
          .from(segments)
          .where(and(sameSeries, ne(segments.segmentCount, segment.count)))
          .limit(1);
        const [first] = await tx
          .select({ id: segments.id })
          .from(segments)
          .where(and(sameSeries, eq(segments.segmentIndex, 1)));
        if (other || !first) {
          throw new SegmentOutOfSequenceError(
            other
              ? `X-Segment-Count ${segment.count} differs from the ${other.count} of the segments received so far`
              : `Segment ${segment.index} of ${segment.count} arrived, but no segment 1 of this ${segment.type} forecast for this group`,
          );
        }
      }
      const held = await this.heldBlocksOfGroup(tx, segment);
      const violation = storedBlocksViolation(
        segment.groupId,
        held,
        segment.body.forecasted_blocks.length,
        maxStoredBlocks,
      );
      if (violation) throw new StoredBlocksExceededError(violation.message);
      const { index, count, ...forecast } = segment;
      await tx
        .insert(segments)
        .values({ ...forecast, segmentIndex: index, segmentCount: count })
        .onConflictDoUpdate({
          target: [segments.peerId, segments.groupId, segments.type, segments.segmentIndex],
          set: { requestId: forecast.requestId, body: forecast.body, receivedAt: new Date() },
        });
      const received = await tx.select().from(segments).where(sameSeries).orderBy(asc(segments.segmentIndex));
      if (received.length < count) return undefined;
      await tx.delete(segments).where(sameSeries);
      const bodies = received.map((row) => row.body as UpdateGroupCapacityForecast);
      const [stored] = await tx
        .insert(schema.capacityForecasts)
        .values({
          ...forecast,
          requestId: received[0].requestId,
          body: { ...bodies[0], forecasted_blocks: bodies.flatMap((b) => b.forecasted_blocks) },
        })
        .returning({ id: schema.capacityForecasts.id });
      return stored.id;
    });
  }

  /** The blocks held in the group's segment sets, but for the segment this one replaces. */
  private async heldBlocksOfGroup(tx: Pick<Database, 'select'>, segment: ForecastSegment): Promise<number> {
    const { capacityForecastSegments: segments } = schema;
    const replaced = and(
      eq(segments.peerId, segment.peerId),
      eq(segments.type, segment.type),
      eq(segments.segmentIndex, segment.index),
    );
    const [row] = await tx
      .select({
        blocks: sql<number>`coalesce(sum(jsonb_array_length(${segments.body}->'forecasted_blocks')), 0)::int`,
      })
      .from(segments)
      .where(and(eq(segments.groupId, segment.groupId), not(replaced!)));
    return Number(row.blocks);
  }

  /** A capacity group exists as long as at least one site names it. */
  async groupExists(groupId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: schema.sites.id })
      .from(schema.sites)
      .where(eq(schema.sites.groupId, groupId))
      .limit(1);
    return rows.length > 0;
  }

  /**
   * The groups bound to a peer that it has sent forecasts for: those its link and options limit, whose
   * measurements it receives.
   */
  async groupsOfPeer(peerId: string): Promise<string[]> {
    const { capacityForecasts: forecasts, dsoPeerGroups: bindings } = schema;
    const rows = await this.db
      .selectDistinct({ groupId: forecasts.groupId })
      .from(forecasts)
      .innerJoin(bindings, boundForecasts())
      .where(eq(forecasts.peerId, peerId));
    return rows.map((row) => row.groupId);
  }

  /**
   * The peer that governs a group, as a list of at most one: the peer bound to it, once it has sent a
   * forecast for it. Its safe default applies wherever its forecasts leave the group uncovered.
   */
  async peersOfGroup(groupId: string): Promise<string[]> {
    const { capacityForecasts: forecasts, dsoPeerGroups: bindings } = schema;
    const rows = await this.db
      .selectDistinct({ peerId: forecasts.peerId })
      .from(forecasts)
      .innerJoin(bindings, boundForecasts())
      .where(eq(forecasts.groupId, groupId));
    return rows.map((row) => row.peerId);
  }

  /**
   * The ids of the group's forecasts of these types that count (those `listForGroup` gives), in a stable
   * order: what identifies the inputs of its capacity without reading their blocks. Forecasts are only ever
   * added, or removed with their peer; a peer bound or unbound changes which count.
   */
  async forecastIdsOfGroup(groupId: string, types: CapacityForecastType[]): Promise<string[]> {
    const { capacityForecasts: forecasts, dsoPeerGroups: bindings } = schema;
    const rows = await this.db
      .select({ id: forecasts.id })
      .from(forecasts)
      .innerJoin(bindings, boundForecasts())
      .where(and(eq(forecasts.groupId, groupId), inArray(forecasts.type, types)))
      .orderBy(asc(forecasts.id));
    return rows.map((row) => row.id);
  }

  /**
   * The forecasts of the peer bound to the group, oldest first, so that replaying them in order lets newer
   * forecasts override older ones. Those of peers no longer (or never) bound to it count for nothing.
   */
  async listForGroup(groupId: string, type: CapacityForecastType): Promise<StoredCapacityForecast[]> {
    const { capacityForecasts: forecasts, dsoPeerGroups: bindings } = schema;
    const rows = await this.db
      .select({
        id: forecasts.id,
        peerId: forecasts.peerId,
        requestId: forecasts.requestId,
        receivedAt: forecasts.receivedAt,
        body: forecasts.body,
      })
      .from(forecasts)
      .innerJoin(bindings, boundForecasts())
      .where(and(eq(forecasts.groupId, groupId), eq(forecasts.type, type)))
      .orderBy(asc(forecasts.receivedAt), asc(forecasts.id));
    return rows.map((row) => ({ ...row, body: row.body as UpdateGroupCapacityForecast }));
  }
}

/** Joins each forecast to its group's binding only when that binds the group to the forecast's own peer. */
function boundForecasts() {
  const { capacityForecasts: forecasts, dsoPeerGroups: bindings } = schema;
  return and(eq(bindings.groupId, forecasts.groupId), eq(bindings.peerId, forecasts.peerId));
}
