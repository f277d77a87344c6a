import type { AddressInfo } from 'node:net';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { LOCAL_AUTH_LISTS_QUEUE } from '@gridflex/authorization';
import { answerAsAcceptingCsms, SimulatedCharger } from '@gridflex/simulator';
import { connectCharger, registerCharger, startController, TestController, waitFor } from './test-controller';

const GRID = { nominalVoltageV: 230, gridLimitA: { l1: 63, l2: 63, l3: 63 } };

describe('proxy mode: the upstream owns the local auth list', () => {
  let controller: TestController;
  let upstreamServer: RPCServer;
  const upstreamSides = new Map<string, RPCServerClient>();
  let proxied: SimulatedCharger;
  let standalone: SimulatedCharger;
  let siteId: string;

  /** Resolves once no local list sync is waiting or running. */
  const listSyncsDone = async () => {
    const queue = controller.app.get<Queue>(getQueueToken(LOCAL_AUTH_LISTS_QUEUE));
    await waitFor(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((count) => count === 0) ? true : undefined;
    }, 600);
  };
  const listCalls = (charger: SimulatedCharger) =>
    charger.receivedCalls.filter((call) => ['SendLocalList', 'GetLocalListVersion'].includes(call.action));

  beforeAll(async () => {
    upstreamServer = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
    upstreamServer.on('client', (client: RPCServerClient) => {
      upstreamSides.set(String(client.identity), client);
      answerAsAcceptingCsms(client);
    });
    const http = await upstreamServer.listen(0, '127.0.0.1');
    const upstreamUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/csms`;

    controller = await startController();
    const { admin } = controller;
    siteId = (await admin.post('/api/v1/sites', { name: 'Proxied list', ...GRID }).expect(201)).body.id;
    await admin.put(`/api/v1/sites/${siteId}/authorization`, { policy: 'list' }).expect(200);
    await admin.post('/api/v1/id-tokens', { idToken: 'DEPOT-CARD', siteId }).expect(201);
    await registerCharger(controller, siteId, 'PXA-PROXIED', { upstreamUrl });
    await registerCharger(controller, siteId, 'PXA-LOCAL');
    proxied = await connectCharger(controller, 'PXA-PROXIED');
    standalone = await connectCharger(controller, 'PXA-LOCAL');
    await proxied.boot();
    await standalone.boot();
  });

  afterAll(async () => {
    await proxied?.close();
    await standalone?.close();
    await controller?.app.close();
    await upstreamServer?.close({ force: true });
  });

  it('sends its list to a standalone charger only; the upstream’s list reaches the proxied one and stays', async () => {
    await waitFor(() => Promise.resolve(standalone.localAuthList.get('depot-card')), 600);
    await listSyncsDone();
    expect(listCalls(proxied)).toEqual([]);

    const upstream = await waitFor(() => Promise.resolve(upstreamSides.get('PXA-PROXIED')), 600);
    const csmsList = {
      listVersion: 42,
      updateType: 'Full',
      localAuthorizationList: [{ idTag: 'CSMS-CARD', idTagInfo: { status: 'Accepted' } }],
    };
    await expect(upstream.call('SendLocalList', csmsList)).resolves.toEqual({ status: 'Accepted' });
    await expect(upstream.call('GetLocalListVersion', {})).resolves.toEqual({ listVersion: 42 });

    // A change of the site's tokens reaches the standalone charger, not the proxied one.
    await controller.admin.post('/api/v1/id-tokens', { idToken: 'NEW-CARD', siteId }).expect(201);
    await waitFor(() => Promise.resolve(standalone.localAuthList.get('new-card')), 600);
    await listSyncsDone();
    expect(listCalls(proxied).map((call) => call.action)).toEqual(['SendLocalList', 'GetLocalListVersion']);
    expect([...proxied.localAuthList]).toEqual([['csms-card', 'Accepted']]);
    expect(proxied.localListVersion).toBe(42);
  });
});
