import { randomBytes } from 'node:crypto';
import { INestApplication } from '@nestjs/common';
import { Database } from '@gridflex/persistence';
import { RPCClient } from 'ocpp-rpc';
import { SimulatedCharger } from '@gridflex/simulator';
import { insertCharger } from './testing/charger-fixtures';
import { startOcppTestApp } from './testing/ocpp-test-app';

describe('a charger flooding us with messages', () => {
  let app: INestApplication;
  let db: Database;
  let endpoint: string;
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    ({ app, endpoint, db } = await startOcppTestApp({
      QUEUE_PREFIX: `gridflex-flood-${randomBytes(4).toString('hex')}`,
      OCPP_MESSAGE_RATE_PER_S: 50,
      OCPP_MESSAGE_BURST: 10,
      OCPP_MESSAGE_BACKLOG: 20,
    }));
  });

  afterAll(async () => {
    await Promise.all(chargers.map((charger) => charger.close()));
    await app.close();
  });

  async function connected(identity: string): Promise<SimulatedCharger> {
    await insertCharger(db, { identity });
    const charger = new SimulatedCharger({ endpoint, identity, connectorCount: 1 });
    await charger.connect();
    chargers.push(charger);
    return charger;
  }

  it('paces and then refuses the flood, while another charger is answered as usual', async () => {
    // A raw client: the simulator, like a real charger, waits for each answer before the next call.
    await insertCharger(db, { identity: 'CP-FLOOD' });
    const options: Partial<ConstructorParameters<typeof RPCClient>[0]> = {
      endpoint,
      identity: 'CP-FLOOD',
      protocols: ['ocpp1.6'],
      callConcurrency: 1000,
      reconnect: false,
    };
    const flooding = new RPCClient(options as ConstructorParameters<typeof RPCClient>[0]);
    await flooding.connect();
    const quiet = await connected('CP-QUIET');
    type Outcome = { ok: boolean; code?: string };
    const flood = Array.from({ length: 100 }, () =>
      flooding.call('Heartbeat', {}).then(
        (): Outcome => ({ ok: true }),
        (error: { rpcErrorCode?: string }): Outcome => ({
          ok: false,
          code: error.rpcErrorCode,
        }),
      ),
    );
    // Sent while the flood is paced and refused: the quiet charger has its own pace.
    const quietAnswer = quiet.call('Heartbeat', {});
    const outcomes = await Promise.all(flood);
    const answered = outcomes.filter((o) => o.ok);
    const refused = outcomes.filter((o) => !o.ok);
    // Burst 10 at once, 20 more paced: the rest is refused, not queued without bound.
    expect(answered.length).toBeGreaterThanOrEqual(30);
    expect(answered.length).toBeLessThan(100);
    expect(refused.every((o) => o.code === 'GenericError')).toBe(true);
    await expect(quietAnswer).resolves.toMatchObject({ currentTime: expect.any(String) });

    await new Promise((resolve) => setTimeout(resolve, 1000));
    await expect(flooding.call('Heartbeat', {})).resolves.toMatchObject({ currentTime: expect.any(String) });
    await flooding.close();
  });
});
