import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createRPCError, IHandlersOption, RPCClient, RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { createSharedPostgresDatabase } from '@gridflex/persistence/testing';
import { SimulatedDso } from '@gridflex/simulator';
import {
  registerCharger,
  sendCurrentForecast,
  startController,
  TestController,
  waitFor,
} from './test-controller';

const GRID = { nominalVoltageV: 230, gridLimitA: { l1: 63, l2: 63, l3: 63 } };
/** Upstream connections are tried again quickly here, so that an outage ends within the test's patience. */
const FAST_RETRY = { OCPP_UPSTREAM_RETRY_MIN_MS: 100, OCPP_UPSTREAM_RETRY_MAX_MS: 500 };
const PATIENCE = 600;

type Message = { action: string; params: Record<string, unknown> };

/**
 * The CPO's central system behind gridflex: a real OCPP-J server that records what it receives, in order, and
 * hands out its own transaction ids from 9001. It can be stopped and started again on the same port.
 */
class UpstreamCsms {
  readonly received: Message[] = [];
  /** Actions answered with a CALLERROR (once each). */
  readonly refuseOnce = new Set<string>();
  /** Actions left unanswered (once each). */
  readonly stallOnce = new Set<string>();
  /** Answers to the next BootNotifications (then Accepted). */
  readonly bootStatuses: string[] = [];
  /**
   * Strict, as central systems that refuse messages from a station whose Boot they have not accepted (2.0.1
   * B02; CitrineOS): anything else before an accepted Boot on a connection gets a SecurityError.
   */
  strict = false;
  /** The messages refused for coming before an accepted Boot. */
  readonly refusedUnbooted: Message[] = [];
  side?: RPCServerClient;
  private server?: RPCServer;
  private port = 0;
  private nextTransactionId = 9001;

  constructor(private readonly protocol: 'ocpp1.6' | 'ocpp2.0.1') {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}/csms`;
  }

  async start(): Promise<void> {
    const server = new RPCServer({ protocols: [this.protocol], strictMode: true });
    server.auth((accept) => accept());
    server.on('client', (client: RPCServerClient) => {
      this.side = client;
      const connection = { booted: false };
      client.handle(({ method, params }: IHandlersOption) =>
        this.answer(method ?? '', params as never, connection),
      );
    });
    const http = await server.listen(this.port, '127.0.0.1');
    this.port = (http.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    this.side = undefined;
    await this.server?.close({ force: true });
  }

  /** What it received of `actions` from index `from` on. */
  messages(from: number, actions: string[]): Message[] {
    return this.received.slice(from).filter((message) => actions.includes(message.action));
  }

  private answer(
    action: string,
    params: Record<string, unknown>,
    connection: { booted: boolean },
  ): Promise<object> {
    this.received.push({ action, params });
    if (this.strict && action !== 'BootNotification' && !connection.booted) {
      this.refusedUnbooted.push({ action, params });
      throw createRPCError('SecurityError', `${action} before an accepted BootNotification`) as Error;
    }
    if (action === 'BootNotification') {
      const status = this.bootStatuses.shift() ?? 'Accepted';
      connection.booted = status === 'Accepted';
      // A refused station is told to try again soon, so that the test need not wait long.
      const interval = connection.booted ? 123 : 1;
      return Promise.resolve({ status, currentTime: new Date().toISOString(), interval });
    }
    if (this.refuseOnce.delete(action)) throw createRPCError('InternalError', `${action} refused`) as Error;
    if (this.stallOnce.delete(action)) return new Promise<object>(() => undefined);
    const now = new Date().toISOString();
    const answers: Record<string, () => object> = {
      Heartbeat: () => ({ currentTime: now }),
      StatusNotification: () => ({}),
      Authorize: () => ({ idTagInfo: { status: 'Accepted' } }),
      StartTransaction: () => ({
        transactionId: this.nextTransactionId++,
        idTagInfo: { status: 'Accepted' },
      }),
      StopTransaction: () => ({}),
      MeterValues: () => ({}),
      TransactionEvent: () => ({}),
    };
    const answer = answers[action];
    if (!answer) throw createRPCError('NotImplemented', `${action} not simulated`) as Error;
    return Promise.resolve(answer());
  }
}

/** A charger speaking the wire protocol directly, recording the calls it receives and accepting them. */
async function connectRawCharger(
  controller: TestController,
  identity: string,
  protocol: 'ocpp1.6' | 'ocpp2.0.1',
  received: Message[],
): Promise<RPCClient> {
  const charger = new RPCClient({
    endpoint: `ws://${controller.host}/ocpp`,
    identity,
    protocols: [protocol],
    reconnect: false,
  } as ConstructorParameters<typeof RPCClient>[0]);
  const accepted = [
    'RemoteStartTransaction',
    'RemoteStopTransaction',
    'SetChargingProfile',
    'TriggerMessage',
  ];
  charger.handle(({ method, params }: IHandlersOption) => {
    received.push({ action: method ?? '', params: params as Record<string, unknown> });
    if (accepted.includes(method ?? '')) return Promise.resolve({ status: 'Accepted' });
    throw createRPCError('NotImplemented', `${method} not simulated`) as Error;
  });
  await charger.connect();
  return charger;
}

const meterValues16 = (transactionId: number, wh: number) => ({
  connectorId: 1,
  transactionId,
  meterValue: [
    {
      timestamp: new Date().toISOString(),
      sampledValue: [{ value: String(wh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
    },
  ],
});

type ProfileCall = {
  csChargingProfiles: {
    chargingProfilePurpose: string;
    transactionId?: number;
    chargingSchedule: { chargingSchedulePeriod: { limit: number }[] };
  };
};

/** The TxProfiles the charger received naming `transactionId`. */
function txProfilesFor(received: Message[], transactionId: number): ProfileCall[] {
  return received
    .filter((message) => message.action === 'SetChargingProfile')
    .map((message) => message.params as unknown as ProfileCall)
    .filter(
      (call) =>
        call.csChargingProfiles.chargingProfilePurpose === 'TxProfile' &&
        call.csChargingProfiles.transactionId === transactionId,
    );
}

const until = <T>(probe: () => T | undefined) => waitFor(() => Promise.resolve(probe()), PATIENCE);

describe('proxy mode through an upstream outage (OCPP 1.6)', () => {
  const GROUP = 'grp-proxy-outage';
  const DSO_TOKEN = randomBytes(24).toString('hex');
  const upstream = new UpstreamCsms('ocpp1.6');
  const chargerReceived: Message[] = [];
  let controller: TestController;
  let charger: RPCClient;

  beforeAll(async () => {
    await upstream.start();
    controller = await startController(FAST_RETRY);
    const { admin } = controller;
    await admin.post('/api/v1/dso-peers', { name: 'dso', token: DSO_TOKEN, groupIds: [GROUP] }).expect(201);
    const site = await admin.post('/api/v1/sites', { name: 'Proxied', groupId: GROUP, ...GRID }).expect(201);
    await registerCharger(controller, site.body.id as string, 'PX-16', { upstreamUrl: upstream.url });
  });

  afterAll(async () => {
    await charger?.close({ force: true });
    await controller?.app.close();
    await upstream.stop();
  });

  const queuedMetric = async () => {
    const { text } = await controller.admin.get('/metrics').expect(200);
    const line = text.split('\n').find((l) => l.startsWith('gridflex_upstream_outbox_messages '));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };

  it('starts remotely, is curtailed under the upstream id, queues through the outage and replays in order', async () => {
    charger = await connectRawCharger(controller, 'PX-16', 'ocpp1.6', chargerReceived);
    await charger.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Proxied' });
    await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Available' });

    // The upstream starts a transaction; the charger gets the upstream's transactionId.
    const side = await until(() => upstream.side);
    await expect(side.call('RemoteStartTransaction', { connectorId: 1, idTag: 'CARD-1' })).resolves.toEqual({
      status: 'Accepted',
    });
    expect(chargerReceived).toContainEqual({
      action: 'RemoteStartTransaction',
      params: { connectorId: 1, idTag: 'CARD-1' },
    });
    const start = { connectorId: 1, idTag: 'CARD-1', meterStart: 0, timestamp: new Date().toISOString() };
    const started = (await charger.call('StartTransaction', start)) as { transactionId: number };
    expect(started.transactionId).toBe(9001);
    await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });

    // A DSO forecast curtails it: its TxProfile names the id the charger holds, the upstream's.
    const dso = new SimulatedDso({ baseUrl: `http://${controller.host}/oscp/fp/2.0`, token: DSO_TOKEN });
    expect((await sendCurrentForecast(dso, GROUP, 10)).status).toBe(204);
    await until(() =>
      txProfilesFor(chargerReceived, 9001).find(
        (call) => call.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit === 10,
      ),
    );

    // The upstream goes away: the charger is answered locally, its transaction messages are queued.
    await upstream.stop();
    await expect(charger.call('MeterValues', meterValues16(9001, 1500))).resolves.toEqual({});
    await expect(
      charger.call('StopTransaction', {
        transactionId: 9001,
        meterStop: 2000,
        timestamp: new Date().toISOString(),
      }),
    ).resolves.toEqual({});
    const restart = {
      connectorId: 1,
      idTag: 'CARD-2',
      meterStart: 2000,
      timestamp: new Date().toISOString(),
    };
    const local = (await charger.call('StartTransaction', restart)) as { transactionId: number };
    expect(local.transactionId).toBeGreaterThan(0);
    expect(local.transactionId).not.toBe(9001);
    // It keeps charging within the grid limits: gridflex's TxProfile names the id the charger got locally.
    await until(() => txProfilesFor(chargerReceived, local.transactionId)[0]);
    await expect(charger.call('MeterValues', meterValues16(local.transactionId, 2500))).resolves.toEqual({});
    expect(await queuedMetric()).toBe(4);

    // The upstream returns: the queue is replayed in order, each message naming the upstream's own ids.
    const before = upstream.received.length;
    await upstream.start();
    const transactionActions = ['StartTransaction', 'StopTransaction', 'MeterValues'];
    const replayed = await until(() => {
      const messages = upstream.messages(before, transactionActions);
      return messages.length >= 4 ? messages : undefined;
    });
    expect(replayed.map(({ action, params }) => [action, params.transactionId])).toEqual([
      ['MeterValues', 9001],
      ['StopTransaction', 9001],
      ['StartTransaction', undefined],
      ['MeterValues', 9002],
    ]);
    expect(replayed[2].params).toMatchObject({ idTag: 'CARD-2', meterStart: 2000 });

    // The upstream stops its transaction by its id; the charger receives the id it holds.
    const sideAgain = await until(() => upstream.side);
    await expect(sideAgain.call('RemoteStopTransaction', { transactionId: 9002 })).resolves.toEqual({
      status: 'Accepted',
    });
    expect(chargerReceived).toContainEqual({
      action: 'RemoteStopTransaction',
      params: { transactionId: local.transactionId },
    });

    expect(await waitFor(async () => ((await queuedMetric()) === 0 ? 0 : undefined), PATIENCE)).toBe(0);

    // Live again: the charger's messages reach the upstream directly, under the upstream's id.
    const live = upstream.received.length;
    await charger.call('MeterValues', meterValues16(local.transactionId, 3000));
    await charger.call('StopTransaction', {
      transactionId: local.transactionId,
      meterStop: 3000,
      timestamp: new Date().toISOString(),
    });
    const forwarded = await until(() => {
      const messages = upstream.messages(live, transactionActions);
      return messages.length >= 2 ? messages : undefined;
    });
    expect(forwarded.map(({ action, params }) => [action, params.transactionId])).toEqual([
      ['MeterValues', 9002],
      ['StopTransaction', 9002],
    ]);
  });
});

describe('proxy mode: an upstream unreachable when the charger connects', () => {
  const upstream = new UpstreamCsms('ocpp1.6');
  let controller: TestController;
  let charger: RPCClient | undefined;

  beforeAll(async () => {
    // Started once to learn a free port, then stopped: the upstream is unreachable from the start.
    await upstream.start();
    await upstream.stop();
    controller = await startController(FAST_RETRY);
    const site = await controller.admin.post('/api/v1/sites', { name: 'Late upstream', ...GRID }).expect(201);
    await registerCharger(controller, site.body.id as string, 'PX-LATE', { upstreamUrl: upstream.url });
  });

  afterAll(async () => {
    await charger?.close({ force: true });
    await controller?.app.close();
    await upstream.stop();
  });

  it('is tried again while the charger stays connected; a message the upstream refuses is dropped, not blocking', async () => {
    charger = await connectRawCharger(controller, 'PX-LATE', 'ocpp1.6', []);
    const boot = (await charger.call('BootNotification', {
      chargePointVendor: 'Acme',
      chargePointModel: 'Late',
    })) as {
      status: string;
      interval: number;
    };
    expect(boot.status).toBe('Accepted');
    expect(boot.interval).not.toBe(123);
    const start = { connectorId: 1, idTag: 'CARD-L', meterStart: 0, timestamp: new Date().toISOString() };
    const local = (await charger.call('StartTransaction', start)) as { transactionId: number };
    await charger.call('MeterValues', meterValues16(local.transactionId, 400));
    await charger.call('StopTransaction', {
      transactionId: local.transactionId,
      meterStop: 800,
      timestamp: new Date().toISOString(),
    });

    upstream.refuseOnce.add('MeterValues');
    await upstream.start();
    const replayed = await until(() => {
      const messages = upstream.messages(0, ['StartTransaction', 'MeterValues', 'StopTransaction']);
      return messages.length >= 3 ? messages : undefined;
    });
    // The refused MeterValues was sent once and dropped: the StopTransaction behind it still arrived.
    expect(replayed.map(({ action, params }) => [action, params.transactionId])).toEqual([
      ['StartTransaction', undefined],
      ['MeterValues', 9001],
      ['StopTransaction', 9001],
    ]);
  });
});

describe('proxy mode: an upstream that does not answer in time', () => {
  const upstream = new UpstreamCsms('ocpp1.6');
  let controller: TestController;
  let charger: RPCClient | undefined;

  beforeAll(async () => {
    await upstream.start();
    controller = await startController({
      ...FAST_RETRY,
      OCPP_CALL_TIMEOUT_MS: 1000,
      OCPP_PRE_BOOT_CALL_TIMEOUT_MS: 1000,
    });
    const site = await controller.admin.post('/api/v1/sites', { name: 'Slow upstream', ...GRID }).expect(201);
    await registerCharger(controller, site.body.id as string, 'PX-SLOW', { upstreamUrl: upstream.url });
  });

  afterAll(async () => {
    await charger?.close({ force: true });
    await controller?.app.close();
    await upstream.stop();
  });

  it('answers the charger locally, queues the start and delivers it again on the same connection', async () => {
    charger = await connectRawCharger(controller, 'PX-SLOW', 'ocpp1.6', []);
    await until(() => upstream.side);
    upstream.stallOnce.add('StartTransaction');
    const start = { connectorId: 1, idTag: 'CARD-S', meterStart: 0, timestamp: new Date().toISOString() };
    const local = (await charger.call('StartTransaction', start)) as { transactionId: number };
    expect(local.transactionId).not.toBe(9001);

    // The unanswered start is sent again (at least once delivery); its answer maps the charger's id.
    const starts = await until(() => {
      const messages = upstream.messages(0, ['StartTransaction']);
      return messages.length >= 2 ? messages : undefined;
    });
    expect(starts.map(({ params }) => params)).toEqual([start, start]);
    await charger.call('StopTransaction', {
      transactionId: local.transactionId,
      meterStop: 500,
      timestamp: new Date().toISOString(),
    });
    const stop = await until(() => upstream.messages(0, ['StopTransaction'])[0]);
    expect(stop.params.transactionId).toBe(9001);
  });
});

describe('proxy mode: the outbox survives a controller restart', () => {
  const upstream = new UpstreamCsms('ocpp1.6');
  let database: { url: string; drop(): Promise<void> };
  let controller: TestController | undefined;
  let charger: RPCClient | undefined;

  beforeAll(async () => {
    database = await createSharedPostgresDatabase();
    // Started once to learn a free port, then stopped: the upstream is unreachable from the start.
    await upstream.start();
    await upstream.stop();
  });

  afterAll(async () => {
    await charger?.close({ force: true });
    await controller?.app.close();
    await upstream.stop();
    await database?.drop();
  });

  it('replays what an earlier run queued once the charger reconnects to the next run', async () => {
    controller = await startController({ ...FAST_RETRY, DATABASE_URL: database.url });
    const site = await controller.admin.post('/api/v1/sites', { name: 'Restarted', ...GRID }).expect(201);
    await registerCharger(controller, site.body.id as string, 'PX-RESTART', { upstreamUrl: upstream.url });
    charger = await connectRawCharger(controller, 'PX-RESTART', 'ocpp1.6', []);
    const start = { connectorId: 1, idTag: 'CARD-R', meterStart: 100, timestamp: new Date().toISOString() };
    const local = (await charger.call('StartTransaction', start)) as { transactionId: number };
    await charger.call('MeterValues', meterValues16(local.transactionId, 600));
    await charger.call('StopTransaction', {
      transactionId: local.transactionId,
      meterStop: 900,
      timestamp: new Date().toISOString(),
    });
    await controller.app.close();
    await charger.close({ force: true });

    controller = await startController({ ...FAST_RETRY, DATABASE_URL: database.url });
    await upstream.start();
    charger = await connectRawCharger(controller, 'PX-RESTART', 'ocpp1.6', []);
    const replayed = await until(() =>
      upstream.received.length >= 3
        ? upstream.messages(0, ['StartTransaction', 'MeterValues', 'StopTransaction'])
        : undefined,
    );
    expect(replayed.map(({ action, params }) => [action, params.transactionId])).toEqual([
      ['StartTransaction', undefined],
      ['MeterValues', 9001],
      ['StopTransaction', 9001],
    ]);
    expect(replayed[2].params).toMatchObject({ meterStop: 900 });
  });
});

describe('proxy mode through an upstream outage (OCPP 2.0.1)', () => {
  const upstream = new UpstreamCsms('ocpp2.0.1');
  let controller: TestController;
  let station: RPCClient;

  const transactionEvent = (eventType: string, seqNo: number) => ({
    eventType,
    timestamp: new Date().toISOString(),
    triggerReason: eventType === 'Ended' ? 'StopAuthorized' : 'Authorized',
    seqNo,
    transactionInfo: { transactionId: 'TX-201' },
    evse: { id: 1, connectorId: 1 },
    idToken: { idToken: 'CARD-201', type: 'ISO14443' },
  });

  beforeAll(async () => {
    await upstream.start();
    controller = await startController(FAST_RETRY);
    const site = await controller.admin.post('/api/v1/sites', { name: 'Proxied 2.0.1', ...GRID }).expect(201);
    await registerCharger(controller, site.body.id as string, 'PX-201', {
      ocppVersion: '2.0.1',
      upstreamUrl: upstream.url,
    });
  });

  afterAll(async () => {
    await station?.close({ force: true });
    await controller?.app.close();
    await upstream.stop();
  });

  it('queues the transaction events and meter values and replays them in order, ids unchanged', async () => {
    station = await connectRawCharger(controller, 'PX-201', 'ocpp2.0.1', []);
    await station.call('TransactionEvent', transactionEvent('Started', 0));
    await until(() => upstream.messages(0, ['TransactionEvent'])[0]);

    await upstream.stop();
    const before = upstream.received.length;
    await station.call('TransactionEvent', transactionEvent('Updated', 1));
    await station.call('MeterValues', {
      evseId: 1,
      meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: 1200 }] }],
    });
    await station.call('TransactionEvent', transactionEvent('Ended', 2));

    await upstream.start();
    const replayed = await until(() => {
      const messages = upstream.messages(before, ['TransactionEvent', 'MeterValues']);
      return messages.length >= 3 ? messages : undefined;
    });
    expect(replayed.map(({ action, params }) => [action, params.seqNo])).toEqual([
      ['TransactionEvent', 1],
      ['MeterValues', undefined],
      ['TransactionEvent', 2],
    ]);
    expect(replayed[2].params).toMatchObject({
      eventType: 'Ended',
      transactionInfo: { transactionId: 'TX-201' },
    });
  });
});

describe('proxy mode: a strict upstream that missed the charger’s Boot', () => {
  const upstream = new UpstreamCsms('ocpp1.6');
  let controller: TestController;
  let charger: RPCClient | undefined;
  let siteId: string;

  beforeAll(async () => {
    // Started once to learn a free port, then stopped: the upstream is down when the charger boots.
    await upstream.start();
    await upstream.stop();
    upstream.strict = true;
    controller = await startController(FAST_RETRY);
    const site = await controller.admin
      .post('/api/v1/sites', { name: 'Strict upstream', ...GRID })
      .expect(201);
    siteId = site.body.id as string;
    await registerCharger(controller, siteId, 'PX-STRICT', { upstreamUrl: upstream.url });
  });

  /** The charger's upstream as the operator sees it. */
  const upstreamView = async () => {
    const { body } = await controller.admin.get(`/api/v1/sites/${siteId}/chargers`).expect(200);
    type Listed = { identity: string; upstream: { connected: boolean | null; queuedMessages: number } };
    return (body as Listed[]).find((c) => c.identity === 'PX-STRICT')?.upstream;
  };

  afterAll(async () => {
    await charger?.close({ force: true });
    await controller?.app.close();
    await upstream.stop();
  });

  it('is shown the Boot, then the statuses, then the queued transaction messages; a refused Boot holds them', async () => {
    charger = await connectRawCharger(controller, 'PX-STRICT', 'ocpp1.6', []);
    const bootPayload = { chargePointVendor: 'Acme', chargePointModel: 'Strict', firmwareVersion: '1.2' };
    await expect(charger.call('BootNotification', bootPayload)).resolves.toMatchObject({
      status: 'Accepted',
    });
    await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
    const start = { connectorId: 1, idTag: 'CARD-S', meterStart: 0, timestamp: new Date().toISOString() };
    const local = (await charger.call('StartTransaction', start)) as { transactionId: number };
    await charger.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
    await charger.call('MeterValues', meterValues16(local.transactionId, 700));
    expect(await upstreamView()).toEqual({ connected: false, queuedMessages: 2 });

    // Its first Boot presented is refused: nothing else is sent until the Boot presented again is accepted.
    upstream.bootStatuses.push('Rejected');
    await upstream.start();
    const received = await until(() => {
      const transactionMessages = upstream.messages(0, ['StartTransaction', 'MeterValues']);
      return transactionMessages.length >= 2 ? upstream.received : undefined;
    });
    expect(received.map(({ action }) => action)).toEqual([
      'BootNotification',
      'BootNotification',
      'StatusNotification',
      'StartTransaction',
      'MeterValues',
    ]);
    expect(received[0].params).toEqual(bootPayload);
    expect(received[1].params).toEqual(bootPayload);
    expect(received[2].params).toMatchObject({ connectorId: 1, status: 'Charging', errorCode: 'NoError' });
    expect(received[3].params).toMatchObject({ idTag: 'CARD-S', meterStart: 0 });
    expect(received[4].params).toMatchObject({ transactionId: 9001 });
    expect(upstream.refusedUnbooted).toEqual([]);

    // Live now: the charger's next messages reach the upstream directly, and it accepts them.
    await expect(charger.call('Heartbeat', {})).resolves.toHaveProperty('currentTime');
    expect(upstream.received.at(-1)?.action).toBe('Heartbeat');
    expect(upstream.refusedUnbooted).toEqual([]);
    const caughtUp = await waitFor(async () => {
      const view = await upstreamView();
      return JSON.stringify(view) === JSON.stringify({ connected: true, queuedMessages: 0 })
        ? view
        : undefined;
    }, PATIENCE);
    expect(caughtUp).toEqual({ connected: true, queuedMessages: 0 });
  });

  it('after a drop, tells the upstream the statuses that changed meanwhile, without a Boot the charger never sent', async () => {
    // This upstream remembers the station across connections, as most do after a network drop.
    upstream.strict = false;
    await upstream.stop();
    await waitFor(async () => ((await upstreamView())?.connected === false ? true : undefined), PATIENCE);
    await charger!.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Finishing' });
    const before = upstream.received.length;
    await upstream.start();
    const status = await until(() => upstream.messages(before, ['StatusNotification'])[0]);
    expect(status.params).toMatchObject({ connectorId: 1, status: 'Finishing', errorCode: 'NoError' });
    expect(upstream.messages(before, ['BootNotification'])).toEqual([]);
  });
});

describe('proxy mode: a strict upstream that missed the station’s Boot (OCPP 2.0.1)', () => {
  const upstream = new UpstreamCsms('ocpp2.0.1');
  let controller: TestController;
  let station: RPCClient | undefined;

  beforeAll(async () => {
    // Started once to learn a free port, then stopped: the upstream is down when the station boots.
    await upstream.start();
    await upstream.stop();
    upstream.strict = true;
    controller = await startController(FAST_RETRY);
    const site = await controller.admin.post('/api/v1/sites', { name: 'Strict 2.0.1', ...GRID }).expect(201);
    await registerCharger(controller, site.body.id as string, 'PX-STRICT-201', {
      ocppVersion: '2.0.1',
      upstreamUrl: upstream.url,
    });
  });

  afterAll(async () => {
    await station?.close({ force: true });
    await controller?.app.close();
    await upstream.stop();
  });

  it('is shown the Boot, then the EVSE statuses, then the queued transaction events', async () => {
    station = await connectRawCharger(controller, 'PX-STRICT-201', 'ocpp2.0.1', []);
    const bootPayload = {
      reason: 'PowerUp',
      chargingStation: { vendorName: 'Acme', model: 'Strict201' },
    };
    await expect(station.call('BootNotification', bootPayload)).resolves.toMatchObject({
      status: 'Accepted',
    });
    const timestamp = new Date().toISOString();
    await station.call('StatusNotification', {
      timestamp,
      connectorStatus: 'Occupied',
      evseId: 1,
      connectorId: 1,
    });
    await station.call('TransactionEvent', {
      eventType: 'Started',
      timestamp,
      triggerReason: 'Authorized',
      seqNo: 0,
      transactionInfo: { transactionId: 'TX-STRICT' },
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: 'CARD-201', type: 'ISO14443' },
    });

    await upstream.start();
    const received = await until(() =>
      upstream.messages(0, ['TransactionEvent']).length > 0 ? upstream.received : undefined,
    );
    expect(received.map(({ action }) => action)).toEqual([
      'BootNotification',
      'StatusNotification',
      'TransactionEvent',
    ]);
    expect(received[0].params).toEqual(bootPayload);
    expect(received[1].params).toMatchObject({ evseId: 1, connectorId: 1, connectorStatus: 'Occupied' });
    expect(received[2].params).toMatchObject({ transactionInfo: { transactionId: 'TX-STRICT' } });
    expect(upstream.refusedUnbooted).toEqual([]);
  });
});
