import { INestApplication } from '@nestjs/common';
import { eq } from 'drizzle-orm';
import { RPCClient } from 'ocpp-rpc';
import { Database, schema } from '@gridflex/persistence';
import { SimulatedCapabilities, SimulatedCharger } from '@gridflex/simulator';
import type { ChargerCapabilities } from './capabilities';
import { ChargerFixture, insertCharger } from './testing/charger-fixtures';
import { startOcppTestApp } from './testing/ocpp-test-app';

type RpcClientOptions = ConstructorParameters<typeof RPCClient>[0];

describe('capability discovery once a charger connected has been protected', () => {
  let app: INestApplication;
  let db: Database;
  let endpoint: string;
  let sequence = 0;
  const openClients: { close(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp());
  });

  afterEach(async () => {
    await Promise.all(openClients.splice(0).map((client) => client.close()));
  });

  afterAll(() => app.close());

  async function connect(
    ocppVersion: '1.6' | '2.0.1',
    capabilities?: Partial<SimulatedCapabilities>,
  ): Promise<ChargerFixture> {
    sequence += 1;
    const fixture = await insertCharger(db, { identity: `CAP-${sequence}`, ocppVersion });
    const charger = new SimulatedCharger({
      endpoint,
      identity: fixture.identity,
      ocppVersion,
      connectorCount: 2,
      capabilities,
    });
    openClients.push(charger);
    await charger.connect();
    return fixture;
  }

  /** The capabilities stored once discovery has answered; it runs after the station maximum. */
  async function discovered(fixture: ChargerFixture): Promise<ChargerCapabilities | null> {
    for (let i = 0; i < 200; i++) {
      const [row] = await db.select().from(schema.chargers).where(eq(schema.chargers.id, fixture.chargerId));
      if (row.capabilities?.discoveredAt) return row.capabilities;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return null;
  }

  const reported = {
    smartCharging: true,
    rateUnits: ['A'] as ('A' | 'W')[],
    maxPeriods: 5,
    maxStackLevel: 3,
  };

  it.each(['1.6', '2.0.1'] as const)('stores what an OCPP %s charger reports', async (version) => {
    const capabilities = await discovered(await connect(version, reported));
    expect(capabilities).toMatchObject({ ...reported, discoveredAt: expect.any(String) });
  });

  it.each(['1.6', '2.0.1'] as const)(
    'stores nothing reported when an OCPP %s charger knows none',
    async (version) => {
      const capabilities = await discovered(await connect(version, {}));
      expect(capabilities).toMatchObject({ smartCharging: null, rateUnits: null, maxPeriods: null });
    },
  );

  it('stores nothing reported when the charger answers the question with a CALLERROR', async () => {
    sequence += 1;
    const fixture = await insertCharger(db, { identity: `CAP-${sequence}` });
    const client = new RPCClient({
      endpoint,
      identity: fixture.identity,
      protocols: ['ocpp1.6'],
      reconnect: false,
    } as RpcClientOptions);
    openClients.push(client);
    await client.connect();
    expect(await discovered(fixture)).toMatchObject({ smartCharging: null, maxPeriods: null });
  });
});
