import type { PerPhase } from '@gridflex/optimizer';
import {
  decideCompliance,
  exceededLimits,
  LimitInForce,
  measuredGroupLoadA,
  METER_READING_MAX_AGE_MS,
} from './group-compliance-monitor';

const now = new Date('2026-03-01T10:00:00.000Z');
const later = (s: number) => new Date(now.getTime() + s * 1000);
const GRACE_MS = 120_000;
const limit = (requestId: string, a: number): LimitInForce => ({ requestId, limitsA: [a, a, a] });

describe(measuredGroupLoadA.name, () => {
  const L123 = ['L1', 'L2', 'L3'];

  it('adds the base loads and the fresh connector currents, per grid phase', () => {
    const connectors = [
      { currentA: [16, 16, 16] as [number, number, number], measuredAt: now, phaseRotation: L123 },
      {
        currentA: [10, null, null] as [number, null, null],
        measuredAt: now,
        phaseRotation: ['L2', 'L3', 'L1'],
      },
    ];
    expect(measuredGroupLoadA(connectors, [[5, 0, 0]], now)).toEqual([21, 26, 16]);
  });

  it('leaves out readings too old to say anything about the load now', () => {
    const stale = new Date(now.getTime() - METER_READING_MAX_AGE_MS - 1);
    const connectors = [{ currentA: [32, 32, 32] as PerPhase, measuredAt: stale, phaseRotation: L123 }];
    expect(measuredGroupLoadA(connectors, [], now)).toEqual([0, 0, 0]);
  });
});

describe(exceededLimits.name, () => {
  it('keeps the limits exceeded on at least one phase', () => {
    const limits = [limit('a', 20), { requestId: 'b', limitsA: [30, 10, 30] as PerPhase }, limit('c', 40)];
    expect(exceededLimits([25, 12, 0], limits).map((l) => l.requestId)).toEqual(['a', 'b']);
  });

  it('does not count a load exactly at the limit as above it', () => {
    expect(exceededLimits([20, 20, 20], [limit('a', 20)])).toEqual([]);
  });
});

describe(decideCompliance.name, () => {
  const over = [limit('fc-1', 20)];

  it('starts an episode at the first check above the limit, reporting nothing yet', () => {
    expect(decideCompliance(null, over, now, GRACE_MS)).toEqual({
      episode: { overSince: now.toISOString(), reportedRequestIds: [] },
      due: [],
    });
  });

  it('waits for the whole grace period, then reports each forecast once', () => {
    const started = decideCompliance(null, over, now, GRACE_MS).episode;
    expect(decideCompliance(started, over, later(120), GRACE_MS).due).toEqual([]);

    const reported = decideCompliance(started, over, later(121), GRACE_MS);
    expect(reported.due).toEqual(over);
    expect(reported.episode).toEqual({ overSince: now.toISOString(), reportedRequestIds: ['fc-1'] });

    expect(decideCompliance(reported.episode, over, later(500), GRACE_MS).due).toEqual([]);
  });

  it('reports a forecast that replaced the exceeded one within the same episode', () => {
    const reported = decideCompliance(
      { overSince: now.toISOString(), reportedRequestIds: ['fc-1'] },
      [limit('fc-2', 20)],
      later(200),
      GRACE_MS,
    );
    expect(reported.due.map((l) => l.requestId)).toEqual(['fc-2']);
    expect(reported.episode?.reportedRequestIds).toEqual(['fc-1', 'fc-2']);
  });

  it('ends the episode when the load is back under, so that a new overload waits and reports again', () => {
    const reported = { overSince: now.toISOString(), reportedRequestIds: ['fc-1'] };
    expect(decideCompliance(reported, [], later(200), GRACE_MS)).toEqual({ episode: null, due: [] });

    const again = decideCompliance(null, over, later(300), GRACE_MS).episode;
    expect(decideCompliance(again, over, later(400), GRACE_MS).due).toEqual([]);
    expect(decideCompliance(again, over, later(421), GRACE_MS).due).toEqual(over);
  });
});
