import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { IHandlersOption, RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { SimulatedCharger } from '@gridflex/simulator';
import { startController, TestController, waitFor } from './test-controller';

const UPSTREAM_INTERVAL_S = 222;

/**
 * An upstream CSMS that counts, per identity, the connections open right now and the most ever open at
 * once: proxy mode must never present one charger twice to it for longer than a handover takes.
 */
class CountingUpstream {
  readonly server = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
  readonly live = new Map<string, RPCServerClient[]>();
  readonly mostAtOnce = new Map<string, number>();
  readonly opened: string[] = [];
  url = '';

  constructor() {
    this.server.on('client', (client: RPCServerClient) => this.track(client));
  }

  async listen(): Promise<void> {
    const http = await this.server.listen(0, '127.0.0.1');
    this.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/csms`;
  }

  liveCount(identity: string): number {
    return this.live.get(identity)?.length ?? 0;
  }

  /** The one connection open for `identity` once there is exactly one. */
  only(identity: string): Promise<RPCServerClient> {
    return waitFor(() =>
      Promise.resolve(this.liveCount(identity) === 1 ? this.live.get(identity)![0] : undefined),
    );
  }

  private track(client: RPCServerClient): void {
    const identity = client.identity ?? '';
    this.opened.push(identity);
    const clients = [...(this.live.get(identity) ?? []), client];
    this.live.set(identity, clients);
    this.mostAtOnce.set(identity, Math.max(this.mostAtOnce.get(identity) ?? 0, clients.length));
    client.once('close', () =>
      this.live.set(
        identity,
        (this.live.get(identity) ?? []).filter((c) => c !== client),
      ),
    );
    client.handle(({ method }: IHandlersOption) => {
      const now = new Date().toISOString();
      if (method === 'BootNotification') {
        return Promise.resolve({ status: 'Accepted', currentTime: now, interval: UPSTREAM_INTERVAL_S });
      }
      if (method === 'Heartbeat') return Promise.resolve({ currentTime: now });
      return Promise.resolve({});
    });
  }
}

/** Proxy mode on two instances: the upstream connection lives with the charger's socket, wherever that is. */
describe('scale-out in proxy mode: the upstream connection follows the charger between instances', () => {
  let database: { url: string; drop(): Promise<void> };
  let a: TestController;
  let b: TestController;
  let bStopped = false;
  const upstream = new CountingUpstream();
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    await upstream.listen();
    database = await createSharedPostgresDatabase();
    const shared = {
      DATABASE_URL: database.url,
      QUEUE_PREFIX: `gridflex-pso-${randomBytes(4).toString('hex')}`,
      CLUSTER_LEASE_MS: 3000,
      DISPATCH_RECONCILE_INTERVAL_MS: 1000,
    };
    a = await startController({ ...shared, INSTANCE_ID: 'proxy-a' });
    b = await startController({ ...shared, INSTANCE_ID: 'proxy-b' });
    const site = await a.admin
      .post('/api/v1/sites', {
        name: 'Proxied depot',
        nominalVoltageV: 230,
        gridLimitA: { l1: 100, l2: 100, l3: 100 },
        upstreamUrl: upstream.url,
      })
      .expect(201);
    for (const identity of ['PSO-1', 'PSO-2']) {
      await a.admin
        .post(`/api/v1/sites/${site.body.id}/chargers`, {
          identity,
          ocppVersion: '1.6',
          connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
        })
        .expect(201);
    }
  });

  afterAll(async () => {
    await Promise.allSettled(chargers.map((charger) => charger.close()));
    await a?.app.close();
    if (!bStopped) await b?.app.close();
    await upstream.server.close({ force: true });
    await database?.drop();
  });

  async function connectTo(controller: TestController, identity: string): Promise<SimulatedCharger> {
    const charger = new SimulatedCharger({
      endpoint: `ws://${controller.host}/ocpp`,
      identity,
      connectorCount: 1,
    });
    chargers.push(charger);
    await charger.connect();
    return charger;
  }

  /** The upstream reaches the charger through the instance that holds its socket, and gets its answer. */
  async function upstreamReaches(identity: string, charger: SimulatedCharger): Promise<void> {
    const upstreamSide = await upstream.only(identity);
    const before = charger.triggeredMessages.length;
    // gridflex itself never triggers a Heartbeat, which the simulated charger declines: the answer is its own.
    expect(await upstreamSide.call('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({
      status: 'NotImplemented',
    });
    expect(charger.triggeredMessages.slice(before)).toContain('Heartbeat');
  }

  it('hands the upstream connection over with a charger that reconnects to the other instance while its old socket looked open', async () => {
    const first = await connectTo(a, 'PSO-2');
    await first.boot();
    await upstream.only('PSO-2');
    // Its network drops unseen by A; it connects again, to B, and boots. A is told to close the stale
    // socket, and the upstream connection it served closes with it.
    const replaced = first.waitForDisconnect();
    const again = await connectTo(b, 'PSO-2');
    await replaced;
    expect((await again.boot()).interval).toBe(UPSTREAM_INTERVAL_S);
    await upstreamReaches('PSO-2', again);
    expect(upstream.opened.filter((identity) => identity === 'PSO-2')).toHaveLength(2);
  });

  it('opens the upstream connection on the instance holding the charger, and on the other after a stop, never both at once', async () => {
    const onB = await connectTo(b, 'PSO-1');
    expect((await onB.boot()).interval).toBe(UPSTREAM_INTERVAL_S);
    await upstreamReaches('PSO-1', onB);
    expect(upstream.opened.filter((identity) => identity === 'PSO-1')).toHaveLength(1);

    // B stops: its chargers lose their socket, and their upstream connections go with it.
    const disconnected = onB.waitForDisconnect();
    bStopped = true;
    const stopping = b.app.close();
    await disconnected;

    // The charger reconnects at once (a load balancer sends it to A), B maybe still stopping: A opens the
    // upstream connection, and B's is gone by then.
    const onA = await connectTo(a, 'PSO-1');
    await stopping;
    expect((await onA.boot()).interval).toBe(UPSTREAM_INTERVAL_S);
    await upstreamReaches('PSO-1', onA);
    expect(upstream.opened.filter((identity) => identity === 'PSO-1')).toHaveLength(2);
    expect(upstream.mostAtOnce.get('PSO-1')).toBe(1);
  });
});
