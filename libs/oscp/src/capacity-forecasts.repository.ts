import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { CapacityForecastType, UpdateGroupCapacityForecast } from './oscp.types';

export interface NewCapacityForecast {
  peerId: string;
  requestId: string;
  groupId: string;
  type: CapacityForecastType;
  /** The validated body as received, unknown extra fields included. */
  body: UpdateGroupCapacityForecast;
}

export interface StoredCapacityForecast {
  id: string;
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

  /** A capacity group exists as long as at least one site names it. */
  async groupExists(groupId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: schema.sites.id })
      .from(schema.sites)
      .where(eq(schema.sites.groupId, groupId))
      .limit(1);
    return rows.length > 0;
  }

  /** Oldest first, so that replaying them in order lets newer forecasts override older ones. */
  async listForGroup(groupId: string, type: CapacityForecastType): Promise<StoredCapacityForecast[]> {
    const { capacityForecasts: forecasts } = schema;
    const rows = await this.db
      .select({
        id: forecasts.id,
        requestId: forecasts.requestId,
        receivedAt: forecasts.receivedAt,
        body: forecasts.body,
      })
      .from(forecasts)
      .where(and(eq(forecasts.groupId, groupId), eq(forecasts.type, type)))
      .orderBy(asc(forecasts.receivedAt), asc(forecasts.id));
    return rows.map((row) => ({ ...row, body: row.body as UpdateGroupCapacityForecast }));
  }
}
