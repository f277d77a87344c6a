import type { AddressInfo } from 'node:net';
import { createRPCError, IHandlersOption, RPCClient, RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { registerCharger, startController, TestController, waitFor } from './test-controller';

const GRID = { nominalVoltageV: 230, gridLimitA: { l1: 63, l2: 63, l3: 63 } };
const UPSTREAM_PASSWORD = 'upstream-secret-1';

/** What the charger in front of gridflex answers the calls it receives, and which it received. */
function chargerAnswers(received: { method: string; params: unknown }[]) {
  const answers: Record<string, object> = {
    RemoteStartTransaction: { status: 'Accepted' },
    SetChargingProfile: { status: 'Accepted' },
    GetConfiguration: { configurationKey: [], unknownKey: [] },
    ChangeConfiguration: { status: 'Accepted' },
  };
  return ({ method, params }: IHandlersOption) => {
    received.push({ method: method ?? '', params });
    const answer = answers[method ?? ''];
    if (!answer) throw createRPCError('NotImplemented', `${method} not simulated`) as Error;
    return Promise.resolve(answer);
  };
}

describe('proxy mode: gridflex in front of an upstream central system', () => {
  let controller: TestController;
  let upstreamServer: RPCServer;
  let upstreamSide: RPCServerClient | undefined;
  const upstreamAuth: { identity: string; password?: string; protocols: string[] }[] = [];
  const chargerReceived: { method: string; params: unknown }[] = [];
  const chargers: RPCClient[] = [];
  let siteId: string;

  const connect = async (identity: string) => {
    const charger = new RPCClient({
      endpoint: `ws://${controller.host}/ocpp`,
      identity,
      protocols: ['ocpp1.6'],
      reconnect: false,
    } as ConstructorParameters<typeof RPCClient>[0]);
    charger.handle(chargerAnswers(chargerReceived));
    chargers.push(charger);
    await charger.connect();
    return charger;
  };
  const boot = (charger: RPCClient) =>
    charger.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Proxied' }) as Promise<{
      status: string;
      interval: number;
    }>;
  const chargerView = async (identity: string) => {
    const { body } = await controller.admin.get(`/api/v1/sites/${siteId}`).expect(200);
    return (body.chargers as Record<string, unknown>[]).find((c) => c.identity === identity);
  };

  beforeAll(async () => {
    upstreamServer = new RPCServer({ protocols: ['ocpp1.6'], strictMode: true });
    upstreamServer.auth((accept, _reject, handshake) => {
      upstreamAuth.push({
        identity: handshake.identity,
        password: handshake.password?.toString(),
        protocols: [...handshake.protocols],
      });
      accept();
    });
    upstreamServer.on('client', (client: RPCServerClient) => {
      upstreamSide = client;
      client.handle('BootNotification', () =>
        Promise.resolve({ status: 'Accepted', currentTime: new Date().toISOString(), interval: 123 }),
      );
      client.handle('StartTransaction', () =>
        Promise.resolve({ transactionId: 4242, idTagInfo: { status: 'Accepted' } }),
      );
      client.handle('Heartbeat', () => Promise.resolve({ currentTime: new Date().toISOString() }));
    });
    const http = await upstreamServer.listen(0, '127.0.0.1');
    const upstreamUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/csms`;

    controller = await startController();
    siteId = (await controller.admin.post('/api/v1/sites', { name: 'Proxied', ...GRID }).expect(201)).body.id;
    await registerCharger(controller, siteId, 'PROXY-16', {
      upstreamUrl,
      upstreamPassword: UPSTREAM_PASSWORD,
    });
    await registerCharger(controller, siteId, 'LOCAL-16');
  });

  afterAll(async () => {
    await Promise.allSettled(chargers.map((charger) => charger.close({ force: true })));
    await controller?.app.close();
    await upstreamServer?.close({ force: true });
  });

  it('refuses an upstream that is not a WebSocket URL, and never returns the upstream password', async () => {
    const { body: error } = await controller.admin
      .post(`/api/v1/sites/${siteId}/chargers`, {
        identity: 'BAD-UPSTREAM',
        ocppVersion: '1.6',
        upstreamUrl: 'http://csms.example.com/ocpp',
        connectors: [{ connectorId: 1, maxCurrentA: 32, phases: 3 }],
      })
      .expect(400);
    expect(error.message).toContain('upstreamUrl must be a ws:// or wss:// URL');
    expect(await chargerView('BAD-UPSTREAM')).toBeUndefined();
    const view = await chargerView('PROXY-16');
    expect(view).toMatchObject({ upstreamPasswordSet: true });
    expect(view?.upstreamUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/csms$/);
    expect(JSON.stringify(view)).not.toContain(UPSTREAM_PASSWORD);
  });

  it('sets and clears an upstream by PATCH, validated, the password kept out of the change history', async () => {
    const local = (await chargerView('LOCAL-16')) as { id: string };
    const path = `/api/v1/sites/${siteId}/chargers/${local.id}`;
    const { body: error } = await controller.admin.patch(path, { upstreamUrl: 'ftp://csms' }).expect(400);
    expect(error.message).toContain('upstreamUrl must be a ws:// or wss:// URL or null');
    await controller.admin
      .patch(path, { upstreamUrl: 'wss://csms.example.com/ocpp', upstreamPassword: 'patched-secret' })
      .expect(200);
    expect(await chargerView('LOCAL-16')).toMatchObject({
      upstreamUrl: 'wss://csms.example.com/ocpp',
      upstreamPasswordSet: true,
    });
    await controller.admin.patch(path, { upstreamUrl: null, upstreamPassword: null }).expect(200);
    expect(await chargerView('LOCAL-16')).toMatchObject({ upstreamUrl: null, upstreamPasswordSet: false });
    const { body: changes } = await controller.admin.get(`/api/v1/sites/${siteId}/changes`).expect(200);
    const history = JSON.stringify(changes);
    expect(history).toContain('upstreamPasswordSet');
    expect(history).not.toContain('patched-secret');
    expect(history).not.toContain(UPSTREAM_PASSWORD);
  });

  it('forwards the charger calls upstream and gives the charger the upstream answers', async () => {
    const charger = await connect('PROXY-16');
    const answer = await boot(charger);
    expect(answer).toMatchObject({ status: 'Accepted', interval: 123 });
    expect(upstreamAuth).toEqual([
      { identity: 'PROXY-16', password: UPSTREAM_PASSWORD, protocols: ['ocpp1.6'] },
    ]);
    expect(await waitFor(async () => (await chargerView('PROXY-16'))?.model ?? undefined)).toBe('Proxied');

    const started = (await charger.call('StartTransaction', {
      connectorId: 1,
      idTag: 'CARD-1',
      meterStart: 0,
      timestamp: new Date().toISOString(),
    })) as { transactionId: number };
    expect(started.transactionId).toBe(4242);
  });

  it('forwards the upstream calls to the charger and returns its answers, keeping profiles to itself', async () => {
    const upstream = await waitFor(() => Promise.resolve(upstreamSide));
    const remoteStart = { connectorId: 1, idTag: 'CARD-2' };
    expect(await upstream.call('RemoteStartTransaction', remoteStart)).toEqual({ status: 'Accepted' });
    expect(chargerReceived).toContainEqual({ method: 'RemoteStartTransaction', params: remoteStart });

    await expect(upstream.call('UnlockConnector', { connectorId: 1 })).rejects.toMatchObject({
      rpcErrorCode: 'NotImplemented',
    });

    // Profiles are gridflex's to arbitrate (proxy-profiles.e2e-spec.ts): one for a connector the charger does
    // not have is refused without reaching it.
    const profile = {
      connectorId: 9,
      csChargingProfiles: {
        chargingProfileId: 77,
        stackLevel: 5,
        chargingProfilePurpose: 'TxDefaultProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: { chargingRateUnit: 'A', chargingSchedulePeriod: [{ startPeriod: 0, limit: 6 }] },
      },
    };
    expect(await upstream.call('SetChargingProfile', profile)).toEqual({ status: 'Rejected' });
    expect(await upstream.call('ClearChargingProfile', { id: 77 })).toEqual({ status: 'Unknown' });
    expect(JSON.stringify(chargerReceived)).not.toContain('"chargingProfileId":77');
  });

  it('closes the upstream connection when the charger leaves', async () => {
    const upstream = await waitFor(() => Promise.resolve(upstreamSide));
    const closed = new Promise((resolve) => upstream.once('close', resolve));
    await chargers[0].close();
    await closed;
  });

  it('answers a charger without upstream locally', async () => {
    const charger = await connect('LOCAL-16');
    const answer = await boot(charger);
    expect(answer.status).toBe('Accepted');
    expect(answer.interval).not.toBe(123);
    expect(upstreamAuth.map((auth) => auth.identity)).not.toContain('LOCAL-16');
  });
});
