import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { DATABASE, Database, schema } from '@gridflex/persistence';
import { fitsInt4 } from './int4';
import type { ConnectorMeasurement } from './ocpp16/meter-values';

const { chargers, connectors, transactions } = schema;

/** What the gateway needs to authenticate a charger. */
export interface ChargerCredentials {
  id: string;
  siteId: string;
  identity: string;
  passwordHash: string | null;
}

export interface BootInfo {
  vendor: string;
  model: string;
  firmwareVersion: string | null;
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
      })
      .from(chargers)
      .where(eq(chargers.identity, identity));
    return row ?? null;
  }

  async markConnected(chargerId: string, at: Date): Promise<void> {
    await this.db.update(chargers).set({ connected: true, lastSeenAt: at }).where(eq(chargers.id, chargerId));
  }

  async markDisconnected(chargerId: string): Promise<void> {
    await this.db.update(chargers).set({ connected: false }).where(eq(chargers.id, chargerId));
  }

  /** At start-up no socket is open yet, whatever an earlier process recorded before it stopped. */
  async markAllDisconnected(): Promise<void> {
    await this.db.update(chargers).set({ connected: false }).where(eq(chargers.connected, true));
  }

  async touch(chargerId: string, at: Date): Promise<void> {
    await this.db.update(chargers).set({ lastSeenAt: at }).where(eq(chargers.id, chargerId));
  }

  async recordBoot(chargerId: string, boot: BootInfo): Promise<void> {
    await this.db.update(chargers).set(boot).where(eq(chargers.id, chargerId));
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
   * report different measurands in different messages. False when the connector is not registered.
   */
  async recordMeasurement(
    chargerId: string,
    connectorId: number,
    measurement: ConnectorMeasurement,
  ): Promise<boolean> {
    if (!fitsInt4(connectorId)) return false;
    const updated = await this.db
      .update(connectors)
      .set({
        measuredAt: measurement.measuredAt,
        ...(measurement.currentA !== null && { measuredCurrentA: measurement.currentA }),
        ...(measurement.powerW !== null && { measuredPowerW: measurement.powerW }),
        ...(measurement.energyWh !== null && { energyRegisterWh: measurement.energyWh }),
      })
      .where(and(eq(connectors.chargerId, chargerId), eq(connectors.connectorId, connectorId)))
      .returning({ id: connectors.id });
    return updated.length > 0;
  }

  /** The connector's open transaction (the most recent one if a stop was lost), or null. */
  async activeTransactionId(connectorRef: string): Promise<number | null> {
    const [row] = await this.db
      .select({ id: transactions.id })
      .from(transactions)
      .where(and(eq(transactions.connectorRef, connectorRef), isNull(transactions.stoppedAt)))
      .orderBy(desc(transactions.startedAt), desc(transactions.id))
      .limit(1);
    return row?.id ?? null;
  }
}
