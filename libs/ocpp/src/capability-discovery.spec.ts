import { INestApplication } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { eq } from 'drizzle-orm';
import { RPCClient } from 'ocpp-rpc';
import { Database, schema } from '@gridflex/persistence';
import { SimulatedCapabilities, SimulatedCharger } from '@gridflex/simulator';
import type { ChargerCapabilities } from './capabilities';
import { ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from './events';
import { ChargerFixture, insertCharger } from './testing/charger-fixtures';
import { startOcppTestApp } from './testing/ocpp-test-app';

type RpcClientOptions = ConstructorParameters<typeof RPCClient>[0];

describe('capability discovery when a charger connects, before it counts as connected', () => {
  let app: INestApplication;
  let db: Database;
  let endpoint: string;
  let sequence = 0;
  const openClients: { close(): Promise<unknown> }[] = [];
  const connected = new Set<string>();

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp());
    app.get(EventEmitter2).on(OCPP_CHARGER_STATE_CHANGED, (event: ChargerStateChangedEvent) => {
      if (event.reason === 'connected') connected.add(event.chargerId);
    });
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

  /** The capabilities stored by the time the connection is announced. */
  async function discovered(fixture: ChargerFixture): Promise<ChargerCapabilities | null> {
    for (let i = 0; i < 100 && !connected.has(fixture.chargerId); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [row] = await db.select().from(schema.chargers).where(eq(schema.chargers.id, fixture.chargerId));
    return row.capabilities;
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
