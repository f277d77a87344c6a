import { join } from 'node:path';

/** `npm run demo` needs no configuration; these environment variables change its pace and timeline. */
export interface DemoSettings {
  /** Simulated seconds per real second for the EVs' arrivals and departures (`DEMO_SPEED`). */
  speed: number;
  port: number;
  /** The replayed sessions (`DEMO_SESSIONS_FILE`), ACN-Data's shape. */
  sessionsFile: string;
  /** The local time of day the replay starts at (`DEMO_START_HOUR`), in the sessions' time zone. */
  startHour: number;
  /** Real seconds after the start: curtailment (50 % for two hours), DSO silence and its return. */
  curtailAtS: number;
  curtailForS: number;
  silentAtS: number;
  silentForS: number;
  /** Real seconds between meter readings and between progress lines. */
  meterIntervalS: number;
  progressIntervalS: number;
  /**
   * Proxy mode (`DEMO_UPSTREAM=1`): a small upstream CSMS is started and made every site's default upstream,
   * so that gridflex forwards the chargers' messages to it; on `DEMO_UPSTREAM_PORT` (0: any free port).
   */
  upstream: boolean;
  upstreamPort: number;
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new Error(`${name} must be 1 or 0 (true or false)`);
}

export function readDemoSettings(env: NodeJS.ProcessEnv): DemoSettings {
  const number = (name: string, fallback: number, min = 0) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < min)
      throw new Error(`${name} must be a number of at least ${min}`);
    return value;
  };
  return {
    speed: number('DEMO_SPEED', 60, 1),
    port: number('DEMO_PORT', 3000, 1),
    sessionsFile:
      env.DEMO_SESSIONS_FILE ?? join(__dirname, '..', 'recordings', 'acn-caltech-2021-09-09.json'),
    startHour: number('DEMO_START_HOUR', 5),
    curtailAtS: number('DEMO_CURTAIL_AT_S', 180),
    curtailForS: number('DEMO_CURTAIL_FOR_S', 2 * 3600, 1),
    silentAtS: number('DEMO_SILENT_AT_S', 420),
    silentForS: number('DEMO_SILENT_FOR_S', 150, 1),
    meterIntervalS: number('DEMO_METER_INTERVAL_S', 5, 1),
    progressIntervalS: number('DEMO_PROGRESS_INTERVAL_S', 5, 1),
    upstream: flag('DEMO_UPSTREAM', env.DEMO_UPSTREAM),
    upstreamPort: number('DEMO_UPSTREAM_PORT', 0),
  };
}
