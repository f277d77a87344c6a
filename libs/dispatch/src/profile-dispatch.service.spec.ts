import { deliveryVerdict } from './profile-dispatch.service';
import type { Delivery } from './dispatch.repository';

const SINCE = new Date('2026-03-01T12:00:00Z');
const before = new Date(SINCE.getTime() - 1000);
const after = new Date(SINCE.getTime() + 1000);

function delivery(
  connectorRef: string,
  version: number,
  status: string,
  at: Date | null,
  dispatched: number | null = version,
): Delivery {
  return { connectorRef, version, dispatchStatus: status, dispatchedVersion: dispatched, dispatchedAt: at };
}

describe('deliveryVerdict', () => {
  const plans = [
    { connectorRef: 'a', version: 3 },
    { connectorRef: 'b', version: 5 },
  ];

  it('is accepted once every plan went out after the request, or a newer plan did', () => {
    const deliveries: Delivery[] = [
      delivery('a', 3, 'accepted', after),
      delivery('b', 6, 'accepted', before),
    ];
    expect(deliveryVerdict(plans, deliveries, SINCE)).toBe('accepted');
  });

  it('is pending while a push is older than the request, not yet made, or waits out a retry', () => {
    const pending = (b: Delivery) => deliveryVerdict(plans, [delivery('a', 3, 'accepted', after), b], SINCE);
    expect(pending(delivery('b', 5, 'accepted', before))).toBe('pending');
    expect(pending(delivery('b', 6, 'pending', null, 5))).toBe('pending');
    expect(pending(delivery('b', 5, 'timeout', after))).toBe('pending');
    expect(deliveryVerdict(plans, [delivery('a', 3, 'accepted', after)], SINCE)).toBe('pending');
  });

  it('is rejected as soon as the charger refused one', () => {
    for (const refusal of ['rejected', 'not-supported', 'call-error']) {
      const deliveries = [delivery('a', 3, refusal, after), delivery('b', 5, 'pending', null, null)];
      expect(deliveryVerdict(plans, deliveries, SINCE)).toBe('rejected');
    }
  });
});
