import { createWriteStream, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setInterval as every, setTimeout as delay } from 'node:timers/promises';
import { UpstreamCsms } from '../upstream/upstream-csms';
import { AdminClient } from './admin-client';
import { DEMO_DIR, DemoController, startController } from './controller-process';
import { DemoDso } from './demo-dso';
import { DemoFleet } from './demo-fleet';
import { DemoSettings, readDemoSettings } from './demo-settings';
import { printProgress, upstreamProgress } from './progress';
import { loadSessions, replaySchedule, simulatedClock } from './sessions';

/**
 * `npm run demo`: the built controller on a throw-away database, a DSO, three sites of chargers, and a day
 * of real EV sessions replayed faster than real time; progress in the terminal, the dashboard in a browser.
 * Ctrl-C stops everything.
 */
async function main(): Promise<void> {
  const settings = readDemoSettings(process.env);
  const file = loadSessions(settings.sessionsFile);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());

  console.log('Starting the controller (log in data/demo/controller.log)…');
  const controller = await startController(settings.port);
  let fleet: DemoFleet | undefined;
  let dso: DemoDso | undefined;
  let upstream: { csms: UpstreamCsms; log: WriteStream } | undefined;
  try {
    const admin = new AdminClient(controller.baseUrl, controller.apiKey);
    upstream = settings.upstream ? await startUpstream(settings.upstreamPort) : undefined;
    await DemoFleet.configure(admin, upstream?.csms.endpoint);
    fleet = new DemoFleet(replaySchedule(file, settings.startHour, settings.speed));
    await fleet.connect(`${controller.baseUrl.replace(/^http/, 'ws')}/ocpp`);
    dso = await DemoDso.start(admin, controller.baseUrl);
    const startMs = Date.now();
    await dso.sendForecasts(startMs, settings);
    printBanner(controller, settings, upstream?.csms);
    await Promise.all([
      runEvery(1000, stop.signal, () => fleet!.replay(Date.now() - startMs)),
      runEvery(settings.meterIntervalS * 1000, stop.signal, () =>
        fleet!.meter(settings.meterIntervalS, settings.speed),
      ),
      runEvery(settings.progressIntervalS * 1000, stop.signal, async () => {
        const elapsedMs = Date.now() - startMs;
        const clock = simulatedClock(settings.startHour, settings.speed, elapsedMs);
        await printProgress(admin, dso!, fleet!.stats(), clock, elapsedMs / 1000);
        if (upstream) console.log(upstreamProgress(upstream.csms));
      }),
      dsoTimeline(dso, settings, stop.signal),
    ]);
  } finally {
    console.log('\nStopping…');
    await fleet?.close();
    await dso?.close();
    await controller.stop();
    await upstream?.csms.close();
    upstream?.log.end();
    console.log('Stopped.');
  }
}

/** The upstream CSMS of proxy mode; every message it receives is logged to `data/demo/upstream.log`. */
async function startUpstream(port: number): Promise<{ csms: UpstreamCsms; log: WriteStream }> {
  const log = createWriteStream(join(DEMO_DIR, 'upstream.log'));
  const csms = await UpstreamCsms.start({
    port,
    log: (line) => log.write(`${new Date().toISOString()} ${line}\n`),
  });
  return { csms, log };
}

function printBanner(controller: DemoController, settings: DemoSettings, upstream?: UpstreamCsms): void {
  console.log(
    [
      '',
      `Dashboard: ${controller.baseUrl}/dashboard#key=${controller.apiKey}`,
      `Admin API: ${controller.baseUrl}/api/v1 (X-API-Key as in the link), OpenAPI at ${controller.baseUrl}/docs`,
      `EVs of a real day replayed ${settings.speed} times faster; the DSO curtails to 50 % after ` +
        `${settings.curtailAtS} s, goes silent after ${settings.silentAtS} s and comes back ${settings.silentForS} s later.`,
      ...(upstream
        ? [
            `Proxy mode: every site's default upstream is the demo CSMS at ${upstream.endpoint}; gridflex forwards ` +
              "the chargers' messages to it (its log in data/demo/upstream.log).",
          ]
        : []),
      'Ctrl-C stops everything.',
    ].join('\n'),
  );
}

/** Calls `work` every `ms` until aborted, never twice at once; a failure is reported and the next call goes on. */
async function runEvery(ms: number, signal: AbortSignal, work: () => Promise<void>): Promise<void> {
  try {
    for await (const _ of every(ms, undefined, { signal })) {
      await work().catch((error: unknown) => {
        if (!signal.aborted) console.warn(`  ! ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

async function dsoTimeline(dso: DemoDso, settings: DemoSettings, signal: AbortSignal): Promise<void> {
  try {
    await delay(settings.silentAtS * 1000, undefined, { signal });
    console.log(
      '\n>> The DSO goes silent: no more heartbeats. The controller will switch its groups to fallback.',
    );
    dso.goSilent();
    await delay(settings.silentForS * 1000, undefined, { signal });
    console.log('\n>> The DSO comes back with a new handshake.');
    await dso.comeBack();
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
