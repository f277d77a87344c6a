import { Inject, Injectable } from '@nestjs/common';
import { and, eq, isNotNull } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import type { MeteredConnector } from './group-compliance-monitor';

/** The last measured current of every connector of a capacity group that has reported one. */
@Injectable()
export class GroupComplianceMetersRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async meteredConnectors(groupId: string): Promise<MeteredConnector[]> {
    const { sites, chargers, connectors } = schema;
    const rows = await this.db
      .select({
        currentA: connectors.measuredCurrentA,
        measuredAt: connectors.measuredAt,
        phaseRotation: chargers.phaseRotation,
      })
      .from(connectors)
      .innerJoin(chargers, eq(chargers.id, connectors.chargerId))
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .where(
        and(
          eq(sites.groupId, groupId),
          isNotNull(connectors.measuredCurrentA),
          isNotNull(connectors.measuredAt),
        ),
      );
    return rows.flatMap(({ currentA, measuredAt, phaseRotation }) =>
      currentA && measuredAt ? [{ currentA, measuredAt, phaseRotation }] : [],
    );
  }
}
