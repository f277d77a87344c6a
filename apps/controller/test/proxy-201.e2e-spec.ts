import type { AddressInfo } from 'node:net';
import { createRPCError, IHandlersOption, RPCClient, RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { registerCharger, startController, TestController, waitFor } from './test-controller';

const GRID = { nominalVoltageV: 230, gridLimitA: { l1: 63, l2: 63, l3: 63 } };
const SITE_UPSTREAM_PASSWORD = 'site-upstream-secret';
/** Answered by the upstream only: gridflex's own Boot answer has `OCPP_HEARTBEAT_INTERVAL_S`. */
const UPSTREAM_INTERVAL_S = 321;
const STATION_TRANSACTION_ID = 'station-tx-7f3a';

interface Received {
  method: string;
  params: unknown;
}

/** What the 2.0.1 station behind gridflex answers; whatever it does not simulate gets `NotImplemented`. */
function stationAnswers(received: Received[]) {
  const answers: Record<string, object> = {
    RequestStartTransaction: { status: 'Accepted', transactionId: STATION_TRANSACTION_ID },
    SetChargingProfile: { status: 'Accepted' },
    TriggerMessage: { status: 'Accepted' },
  };
  return ({ method, params }: IHandlersOption) => {
    received.push({ method: method ?? '', params });
    const answer = answers[method ?? ''];
    if (!answer) throw createRPCError('NotImplemented', `${method} not simulated`) as Error;
    return Promise.resolve(answer);
  };
}

/** An upstream CSMS speaking 2.0.1 on the wire, recording who connected and what it received. */
function upstreamCsms(
  received: Received[],
  auth: { identity: string; password?: string; protocols: string[] }[],
) {
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
  const clients = new Map<string, RPCServerClient>();
  server.auth((accept, _reject, handshake) => {
    auth.push({
      identity: handshake.identity,
      password: handshake.password?.toString(),
      protocols: [...handshake.protocols],
    });
    accept();
  });
  server.on('client', (client: RPCServerClient) => {
    clients.set(client.identity ?? '', client);
    const record = (method: string, answer: object) =>
      client.handle(method, ({ params }: IHandlersOption) => {
        received.push({ method, params });
        return Promise.resolve(answer);
      });
    record('BootNotification', {
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: UPSTREAM_INTERVAL_S,
    });
    record('StatusNotification', {});
    record('TransactionEvent', { chargingPriority: 7, idTokenInfo: { status: 'Accepted' } });
    client.handle('DataTransfer', () => {
      throw createRPCError('SecurityError', 'The upstream refuses this vendor') as Error;
    });
  });
  return { server, clients };
}

describe('proxy mode, OCPP 2.0.1: a station behind gridflex, in front of an upstream CSMS', () => {
  let controller: TestController;
  let upstream: ReturnType<typeof upstreamCsms>;
  const upstreamReceived: Received[] = [];
  const upstreamAuth: { identity: string; password?: string; protocols: string[] }[] = [];
  const stationReceived: Received[] = [];
  const stations: RPCClient[] = [];
  let siteId: string;

  const connect = async (identity: string) => {
    const station = new RPCClient({
      endpoint: `ws://${controller.host}/ocpp`,
      identity,
      protocols: ['ocpp2.0.1'],
      strictMode: true,
      reconnect: false,
    } as ConstructorParameters<typeof RPCClient>[0]);
    station.handle(stationAnswers(stationReceived));
    stations.push(station);
    await station.connect();
    return station;
  };
  const boot = (station: RPCClient) =>
    station.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { vendorName: 'Acme', model: 'Proxied-201' },
    }) as Promise<{ status: string; interval: number }>;
  const chargerView = async (identity: string) => {
    const { body } = await controller.admin.get(`/api/v1/sites/${siteId}`).expect(200);
    return (body.chargers as Record<string, unknown>[]).find((c) => c.identity === identity);
  };
  const upstreamGot = (method: string) => upstreamReceived.filter((r) => r.method === method);

  beforeAll(async () => {
    upstream = upstreamCsms(upstreamReceived, upstreamAuth);
    const http = await upstream.server.listen(0, '127.0.0.1');
    const upstreamUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/csms`;
    controller = await startController();
    const site = { name: 'Proxied 2.0.1', ...GRID, upstreamUrl, upstreamPassword: SITE_UPSTREAM_PASSWORD };
    siteId = (await controller.admin.post('/api/v1/sites', site).expect(201)).body.id;
    await registerCharger(controller, siteId, 'PROXY-201', { ocppVersion: '2.0.1' });
    await registerCharger(controller, siteId, 'ALONE-201', { ocppVersion: '2.0.1', upstreamMode: 'none' });
  });

  afterAll(async () => {
    await Promise.allSettled(stations.map((station) => station.close({ force: true })));
    await controller?.app.close();
    await upstream?.server.close({ force: true });
  });

  it("uses the site default upstream for a station with no own URL, and gives it the upstream's Boot answer", async () => {
    expect(await chargerView('PROXY-201')).toMatchObject({
      upstreamMode: 'site',
      upstreamUrl: null,
      effectiveUpstream: { source: 'site', passwordSet: true },
    });
    const station = await connect('PROXY-201');
    expect(await boot(station)).toMatchObject({ status: 'Accepted', interval: UPSTREAM_INTERVAL_S });
    expect(upstreamAuth).toEqual([
      { identity: 'PROXY-201', password: SITE_UPSTREAM_PASSWORD, protocols: ['ocpp2.0.1'] },
    ]);
    // gridflex keeps its own view of the station: the Boot was handled locally as well.
    expect(await waitFor(async () => (await chargerView('PROXY-201'))?.model ?? undefined)).toBe(
      'Proxied-201',
    );
  });

  it("forwards a TransactionEvent with the station's transactionId unchanged, and keeps its own view", async () => {
    const station = stations[0];
    const status = {
      timestamp: new Date().toISOString(),
      connectorStatus: 'Occupied',
      evseId: 1,
      connectorId: 1,
    };
    expect(await station.call('StatusNotification', status)).toEqual({});
    const started = {
      eventType: 'Started',
      timestamp: new Date().toISOString(),
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: STATION_TRANSACTION_ID, chargingState: 'Charging' },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: 'CARD-201', type: 'ISO14443' },
    };
    expect(await station.call('TransactionEvent', started)).toEqual({
      chargingPriority: 7,
      idTokenInfo: { status: 'Accepted' },
    });
    expect(upstreamGot('TransactionEvent').map((r) => r.params)).toEqual([started]);
    expect(upstreamGot('StatusNotification').map((r) => r.params)).toEqual([status]);
    const connectors = async () =>
      ((await chargerView('PROXY-201'))?.connectors ?? []) as { status: string }[];
    expect(await waitFor(async () => (await connectors())[0]?.status ?? undefined)).toBe('Occupied');
  });

  it('passes an upstream RequestStartTransaction to the station and returns its answer unchanged', async () => {
    const upstreamSide = await waitFor(() => Promise.resolve(upstream.clients.get('PROXY-201')));
    const request = { idToken: { idToken: 'REMOTE-1', type: 'Central' }, remoteStartId: 99, evseId: 1 };
    expect(await upstreamSide.call('RequestStartTransaction', request)).toEqual({
      status: 'Accepted',
      transactionId: STATION_TRANSACTION_ID,
    });
    expect(stationReceived).toContainEqual({ method: 'RequestStartTransaction', params: request });
  });

  it('passes CALLERRORs through both ways', async () => {
    const upstreamSide = await waitFor(() => Promise.resolve(upstream.clients.get('PROXY-201')));
    await expect(upstreamSide.call('UnlockConnector', { evseId: 1, connectorId: 1 })).rejects.toMatchObject({
      rpcErrorCode: 'NotImplemented',
    });
    await expect(stations[0].call('DataTransfer', { vendorId: 'com.example' })).rejects.toMatchObject({
      rpcErrorCode: 'SecurityError',
      message: 'The upstream refuses this vendor',
    });
  });

  it('answers a station in upstream mode none locally, even on a site with a default upstream', async () => {
    const station = await connect('ALONE-201');
    const answer = await boot(station);
    expect(answer.status).toBe('Accepted');
    expect(answer.interval).not.toBe(UPSTREAM_INTERVAL_S);
    expect(upstreamAuth.map((auth) => auth.identity)).not.toContain('ALONE-201');
  });
});
