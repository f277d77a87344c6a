import { isStart16, mustReachUpstream, transactionIdIn, withTransactionId } from './upstream-messages';

describe('upstream messages', () => {
  it('queues transactions and meter values of both versions, nothing else', () => {
    expect(
      ['StartTransaction', 'StopTransaction', 'MeterValues'].map((a) => mustReachUpstream('ocpp1.6', a)),
    ).toEqual([true, true, true]);
    expect(mustReachUpstream('ocpp2.0.1', 'TransactionEvent')).toBe(true);
    expect(mustReachUpstream('ocpp2.0.1', 'MeterValues')).toBe(true);
    for (const action of [
      'Heartbeat',
      'StatusNotification',
      'Authorize',
      'BootNotification',
      'DataTransfer',
    ]) {
      expect(mustReachUpstream('ocpp1.6', action)).toBe(false);
      expect(mustReachUpstream('ocpp2.0.1', action)).toBe(false);
    }
    expect(isStart16('ocpp1.6', 'StartTransaction')).toBe(true);
    expect(isStart16('ocpp2.0.1', 'StartTransaction')).toBe(false);
  });

  it('reads and replaces the transactionId of the 1.6 charger messages that name one', () => {
    const stop = { transactionId: 7, meterStop: 100, timestamp: '2026-01-01T00:00:00Z' };
    expect(transactionIdIn('charger-message', 'StopTransaction', stop)).toBe(7);
    expect(withTransactionId('charger-message', 'StopTransaction', stop, 4242)).toEqual({
      ...stop,
      transactionId: 4242,
    });
    expect(stop.transactionId).toBe(7);
    const meterValues = { connectorId: 1, meterValue: [] };
    expect(transactionIdIn('charger-message', 'MeterValues', meterValues)).toBeUndefined();
    expect(withTransactionId('charger-message', 'MeterValues', meterValues, 5)).toBe(meterValues);
    expect(transactionIdIn('charger-message', 'Heartbeat', { transactionId: 3 })).toBeUndefined();
  });

  it('reads and replaces the transactionId nested in the upstream calls that name one', () => {
    const profile = {
      connectorId: 1,
      csChargingProfiles: { chargingProfileId: 1, transactionId: 4242, stackLevel: 0 },
    };
    expect(transactionIdIn('upstream-call', 'SetChargingProfile', profile)).toBe(4242);
    expect(withTransactionId('upstream-call', 'SetChargingProfile', profile, 12)).toEqual({
      connectorId: 1,
      csChargingProfiles: { chargingProfileId: 1, transactionId: 12, stackLevel: 0 },
    });
    expect(profile.csChargingProfiles.transactionId).toBe(4242);
    expect(transactionIdIn('upstream-call', 'RemoteStopTransaction', { transactionId: 9 })).toBe(9);
    expect(transactionIdIn('upstream-call', 'RemoteStartTransaction', { idTag: 'A' })).toBeUndefined();
    expect(
      transactionIdIn('upstream-call', 'GetCompositeSchedule', { connectorId: 1, duration: 60 }),
    ).toBeUndefined();
  });
});
