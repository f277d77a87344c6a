import { upstreamReplanAt } from './upstream-replan';

describe('upstreamReplanAt', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('re-plans a second after an upstream change of the same day', () => {
    expect(upstreamReplanAt(Date.parse('2026-03-01T12:30:00Z'), now)).toBe(
      Date.parse('2026-03-01T12:30:01Z'),
    );
  });

  it('looks again at the end of the day for a change beyond it, the same instant for every plan of the day', () => {
    const farChange = Date.parse('2026-03-09T00:00:00Z');
    const dayEnd = Date.parse('2026-03-02T00:00:00Z');
    expect(upstreamReplanAt(farChange, now)).toBe(dayEnd);
    expect(upstreamReplanAt(farChange, new Date('2026-03-01T23:59:59Z'))).toBe(dayEnd);
    expect(upstreamReplanAt(farChange, new Date(dayEnd))).toBe(Date.parse('2026-03-03T00:00:00Z'));
  });
});
