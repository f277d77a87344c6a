import { SimulatedCharger } from '../charger/simulated-charger';
import { UpstreamCsms } from './upstream-csms';

describe('UpstreamCsms, the demo and test central system', () => {
  let csms: UpstreamCsms;
  const logged: string[] = [];
  const chargers: SimulatedCharger[] = [];

  beforeAll(async () => {
    csms = await UpstreamCsms.start({ log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await Promise.allSettled(chargers.map((charger) => charger.close()));
    await csms.close();
  });

  const connect = async (identity: string, ocppVersion: '1.6' | '2.0.1') => {
    const charger = new SimulatedCharger({
      endpoint: csms.endpoint,
      identity,
      ocppVersion,
      connectorCount: 1,
    });
    chargers.push(charger);
    await charger.connect();
    return charger;
  };

  it('serves a 1.6 charger: Boot, Authorize, a transaction under its own ids, meter values', async () => {
    const charger = await connect('UP-16', '1.6');
    expect(await charger.boot()).toMatchObject({ status: 'Accepted', interval: 300 });
    expect(await charger.authorize('CARD-1')).toBe('Accepted');
    const first = await charger.startTransaction(1, 'CARD-1', 0);
    expect(first).toBe(900_001);
    await charger.meterValues(1, { energyWh: 500, transactionId: first });
    await charger.stopTransaction(first, 1000, 'EVDisconnected');
    expect(await charger.startTransaction(1, 'CARD-1', 1000)).toBe(900_002);
    expect(csms.connected).toContain('UP-16');
  });

  it('serves a 2.0.1 station: Boot, Authorize, TransactionEvent under the station ids, meter values', async () => {
    const station = await connect('UP-201', '2.0.1');
    expect(await station.boot()).toMatchObject({ status: 'Accepted' });
    expect(await station.authorize('CARD-2')).toBe('Accepted');
    const started = await station.transactionEvent('Started', {
      transactionId: 'tx-1',
      evseId: 1,
      idToken: 'CARD-2',
      chargingState: 'Charging',
    });
    expect(started).toEqual({ idTokenInfo: { status: 'Accepted' } });
    await station.meterValues(1, { energyWh: 200 });
    await station.transactionEvent('Ended', { transactionId: 'tx-1', stoppedReason: 'EVDisconnected' });
  });

  it('counts and logs what it received, and forgets a charger that leaves', async () => {
    expect(Object.fromEntries(csms.received)).toEqual({
      BootNotification: 2,
      Authorize: 2,
      StartTransaction: 2,
      StopTransaction: 1,
      MeterValues: 2,
      TransactionEvent: 2,
    });
    expect(csms.summary()).toBe(
      'Authorize 2, BootNotification 2, MeterValues 2, StartTransaction 2, TransactionEvent 2, StopTransaction 1',
    );
    expect(logged).toContain('upstream: UP-16 connected (ocpp1.6)');
    expect(
      logged.some((line) =>
        line.startsWith('upstream: StartTransaction from UP-16 → {"transactionId":900001'),
      ),
    ).toBe(true);
    const left = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (!csms.connected.has('UP-16')) resolve(clearInterval(poll));
      }, 20);
    });
    await chargers[0].close();
    await left;
    expect(logged).toContain('upstream: UP-16 disconnected');
  });
});
