import { unstorableTextPath } from './storable-text';

describe(unstorableTextPath.name, () => {
  it('finds nothing in ordinary text, emoji (a surrogate pair) included', () => {
    expect(
      unstorableTextPath({ chargePointVendor: 'Ünïcode ⚡ 🚗', meterValue: [{ value: '1.5' }] }),
    ).toBeNull();
  });

  it('names the field holding a NUL character, however deep', () => {
    expect(unstorableTextPath({ chargePointVendor: 'ACME\u0000' })).toBe('chargePointVendor');
    expect(
      unstorableTextPath({
        meterValue: [{ sampledValue: [{ value: '1' }, { value: '2', unit: 'W\u0000' }] }],
      }),
    ).toBe('meterValue[0].sampledValue[1].unit');
    expect(unstorableTextPath({ idToken: { idToken: '\u0000', type: 'ISO14443' } })).toBe('idToken.idToken');
  });

  it('finds a lone surrogate, high or low, and a bad key', () => {
    expect(unstorableTextPath({ idTag: 'A\ud800' })).toBe('idTag');
    expect(unstorableTextPath({ idTag: '\udc00B' })).toBe('idTag');
    expect(unstorableTextPath({ ['bad\u0000key']: 1 })).toBe('["bad\\u0000key"]');
  });

  it('ignores numbers, booleans and nulls', () => {
    expect(unstorableTextPath({ connectorId: 1, offline: true, reason: null })).toBeNull();
  });
});
