import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import type { ConnectorReading } from './group-measurements';

/** The latest meter values of a capacity group's connectors, as the OCPP side stored them. */
@Injectable()
export class GroupMetersRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async readings(groupId: string): Promise<ConnectorReading[]> {
    const { sites, chargers, connectors, transactions } = schema;
    const rows = await this.db
      .select({
        connectorRef: connectors.id,
        identity: chargers.identity,
        connectorId: connectors.connectorId,
        energyRegisterWh: connectors.energyRegisterWh,
        countedEnergyWh: connectors.energyCountedWh,
        powerW: connectors.measuredPowerW,
        measuredAt: connectors.measuredAt,
      })
      .from(connectors)
      .innerJoin(chargers, eq(chargers.id, connectors.chargerId))
      .innerJoin(sites, eq(sites.id, chargers.siteId))
      .where(eq(sites.groupId, groupId))
      .orderBy(asc(chargers.identity), asc(connectors.connectorId));
    if (rows.length === 0) return [];
    const open = await this.db
      .select({
        connectorRef: transactions.connectorRef,
        meterStartWh: transactions.meterStartWh,
        startedAt: transactions.startedAt,
      })
      .from(transactions)
      .where(
        and(
          inArray(
            transactions.connectorRef,
            rows.map((r) => r.connectorRef),
          ),
          isNull(transactions.stoppedAt),
        ),
      );
    const sessions = new Map(open.map(({ connectorRef, ...session }) => [connectorRef, session]));
    return rows.map(({ connectorRef, identity, connectorId, ...reading }) => ({
      assetId: `${identity}/${connectorId}`,
      ...reading,
      session: sessions.get(connectorRef) ?? null,
    }));
  }
}
