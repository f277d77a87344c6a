import { boundedPayload } from './bounded-payload';

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

describe('boundedPayload', () => {
  it('keeps a payload that fits as it is', () => {
    const payload = { type: 'FirmwareUpdated', timestamp: '2026-12-07T10:00:00Z' };
    expect(boundedPayload(payload, 1000)).toBe(payload);
  });

  it('keeps the small fields and the leading items of a long list, within the bound', () => {
    const reportData = Array.from({ length: 200 }, (_, i) => ({
      component: { name: `C${i}` },
      value: 'é'.repeat(20),
    }));
    const payload = { requestId: 7, generatedAt: '2026-12-07T10:00:00Z', seqNo: 0, reportData };
    const bounded = boundedPayload(payload, 2000);
    expect(bytesOf(bounded)).toBeLessThanOrEqual(2000);
    expect(bounded).toMatchObject({
      truncated: true,
      originalBytes: bytesOf(payload),
      requestId: 7,
      seqNo: 0,
    });
    const kept = bounded.reportData as unknown[];
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.length).toBeLessThan(200);
    expect(kept).toEqual(reportData.slice(0, kept.length));
  });

  it('drops a single field larger than the bound', () => {
    const payload = { vendorId: 'ACME', data: 'x'.repeat(5000) };
    const bounded = boundedPayload(payload, 500);
    expect(bounded).toEqual({ truncated: true, originalBytes: bytesOf(payload), vendorId: 'ACME' });
  });

  it('keeps a `__proto__` field of the JSON as a field', () => {
    const payload = JSON.parse(`{"__proto__":{"polluted":true},"data":"${'x'.repeat(600)}"}`) as Record<
      string,
      unknown
    >;
    const bounded = boundedPayload(payload, 200);
    expect(JSON.parse(JSON.stringify(bounded))).toEqual(
      JSON.parse(`{"truncated":true,"originalBytes":${bytesOf(payload)},"__proto__":{"polluted":true}}`),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
