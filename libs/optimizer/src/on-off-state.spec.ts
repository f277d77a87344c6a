import { onOffStateAt, type PlannedLimit } from './on-off-state.js';

const period = (start: string, end: string | null, limitA: number): PlannedLimit => ({ start, end, limitA });

describe(onOffStateAt.name, () => {
  const plan = [
    period('2026-01-01T00:00:00.000Z', '2026-01-01T00:15:00.000Z', 0),
    period('2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', 8),
    period('2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z', 12.5),
    period('2026-01-01T00:45:00.000Z', null, 0),
  ];

  it('is charging since the start of the unbroken run of non-zero limits', () => {
    expect(onOffStateAt(plan, '2026-01-01T00:40:00.000Z')).toEqual({
      charging: true,
      since: '2026-01-01T00:15:00.000Z',
    });
  });

  it('is paused since the period that set the limit to 0, open-ended included', () => {
    expect(onOffStateAt(plan, '2026-01-02T00:00:00.000Z')).toEqual({
      charging: false,
      since: '2026-01-01T00:45:00.000Z',
    });
  });

  it('does not join runs across a gap in the plan', () => {
    const gapped = [plan[1], period('2026-01-01T00:35:00.000Z', '2026-01-01T00:45:00.000Z', 10)];
    expect(onOffStateAt(gapped, '2026-01-01T00:40:00.000Z')?.since).toBe('2026-01-01T00:35:00.000Z');
  });

  it('knows nothing outside the plan', () => {
    expect(onOffStateAt(plan, '2025-12-31T23:59:59.000Z')).toBeUndefined();
  });
});
