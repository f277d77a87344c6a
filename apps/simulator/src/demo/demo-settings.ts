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
  };
}
