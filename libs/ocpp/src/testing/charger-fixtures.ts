import { Database, schema } from '@gridflex/persistence';

export interface ChargerFixture {
  siteId: string;
  chargerId: string;
  identity: string;
  /** `connectors.id` by OCPP connector id. */
  connectorRefs: Map<number, string>;
}

/** A site with one charger and its connectors, inserted directly, for tests of this library. */
export async function insertCharger(
  db: Database,
  options: {
    identity: string;
    passwordHash?: string | null;
    connectorIds?: number[];
    ocppVersion?: '1.6' | '2.0.1';
  },
): Promise<ChargerFixture> {
  const [site] = await db
    .insert(schema.sites)
    .values({
      name: `site of ${options.identity}`,
      nominalVoltageV: 230,
      limitL1A: 63,
      limitL2A: 63,
      limitL3A: 63,
    })
    .returning({ id: schema.sites.id });
  const [charger] = await db
    .insert(schema.chargers)
    .values({
      siteId: site.id,
      identity: options.identity,
      passwordHash: options.passwordHash ?? null,
      ocppVersion: options.ocppVersion ?? '1.6',
    })
    .returning({ id: schema.chargers.id });
  const connectorRefs = new Map<number, string>();
  for (const connectorId of options.connectorIds ?? [1, 2]) {
    const [connector] = await db
      .insert(schema.connectors)
      .values({ chargerId: charger.id, connectorId, maxCurrentA: 32, phases: 3 })
      .returning({ id: schema.connectors.id });
    connectorRefs.set(connectorId, connector.id);
  }
  return { siteId: site.id, chargerId: charger.id, identity: options.identity, connectorRefs };
}
