import { join } from 'node:path';
import { loadSessions, localHourOf, replaySchedule } from './sessions';

describe('replaying recorded sessions', () => {
  const file = loadSessions(join(__dirname, '..', '..', 'recordings', 'acn-caltech-2021-09-09.json'));

  it('finds local hours across the zone offset', () => {
    // 2021-09-09 is in Pacific daylight time, UTC-7.
    expect(new Date(localHourOf('2021-09-09T20:00:00Z', 'America/Los_Angeles', 5)).toISOString()).toBe(
      '2021-09-09T12:00:00.000Z',
    );
  });

  it('puts the sessions on the demo clock, accelerated', () => {
    const schedule = replaySchedule(file, 5, 60);
    expect(schedule.length).toBe(file.sessions.length);
    // The first EV connected at 05:33 local (12:33 UTC): 33 simulated minutes, 33 real seconds at 60 times.
    const first = Date.parse(file.sessions[0].connectionTime) - Date.parse('2021-09-09T12:00:00Z');
    expect(schedule[0].arriveAtMs).toBe(first / 60);
    expect(Math.floor(schedule[0].arriveAtMs / 1000)).toBe(33);
    expect(schedule.every((s) => s.leaveAtMs > s.arriveAtMs && s.energyWh > 0)).toBe(true);
  });

  it('drops the sessions that arrived before the start hour', () => {
    expect(replaySchedule(file, 9, 60).length).toBeLessThan(file.sessions.length);
  });
});
