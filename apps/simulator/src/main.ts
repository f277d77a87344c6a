import { setInterval as every } from 'node:timers/promises';
import { SimulatedCharger } from './charger/simulated-charger';
import { SimulatedDso } from './dso/simulated-dso';

/**
 * `npm run simulator`: chargers with an EV on every connector, and optionally a DSO sending a forecast,
 * against a running controller. Configured by environment; see docs/configuration.md.
 */
interface SimulatorSettings {
  controllerUrl: URL;
  chargers: string[];
  ocppVersion: '1.6' | '2.0.1';
  password?: string;
  connectors: number;
  evMaxCurrentA: number;
  meterIntervalS: number;
  dso?: { token: string; groupId: string; capacityA: number; link: boolean; heartbeatS: number };
}

function readSettings(env: NodeJS.ProcessEnv): SimulatorSettings {
  const number = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
    return value;
  };
  const chargers = (env.SIM_CHARGERS ?? 'SIM-1,SIM-2').split(',').filter(Boolean);
  const ocppVersion = env.SIM_OCPP_VERSION ?? '1.6';
  if (ocppVersion !== '1.6' && ocppVersion !== '2.0.1')
    throw new Error('SIM_OCPP_VERSION must be 1.6 or 2.0.1');
  return {
    ocppVersion,
    controllerUrl: new URL(env.SIM_CONTROLLER_URL ?? 'http://127.0.0.1:3000'),
    chargers,
    password: env.SIM_CHARGER_PASSWORD,
    connectors: number('SIM_CONNECTORS', 1),
    evMaxCurrentA: number('SIM_EV_MAX_CURRENT_A', 32),
    meterIntervalS: number('SIM_METER_INTERVAL_S', 10),
    dso:
      env.SIM_DSO_TOKEN && env.SIM_GROUP_ID
        ? {
            token: env.SIM_DSO_TOKEN,
            groupId: env.SIM_GROUP_ID,
            capacityA: number('SIM_CAPACITY_A', 32),
            link: env.SIM_DSO_LINK === 'true',
            heartbeatS: number('SIM_DSO_HEARTBEAT_S', 60),
          }
        : undefined,
  };
}

/** What the EV draws: the composite of the profiles its charger applies, at most the EV's maximum. */
function offeredCurrent(charger: SimulatedCharger, connectorId: number, evMaxA: number): number {
  return Math.min(charger.offeredCurrentA(connectorId) ?? evMaxA, evMaxA);
}

async function startCharger(settings: SimulatorSettings, identity: string): Promise<SimulatedCharger> {
  const endpoint = new URL('/ocpp', settings.controllerUrl);
  endpoint.protocol = settings.controllerUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const charger = new SimulatedCharger({
    endpoint: endpoint.toString(),
    identity,
    password: settings.password,
    connectorCount: settings.connectors,
    ocppVersion: settings.ocppVersion,
  });
  await charger.connect();
  await charger.boot();
  for (let connectorId = 1; connectorId <= settings.connectors; connectorId++) {
    await startSession(charger, settings.ocppVersion, connectorId);
  }
  console.log(
    `${identity}: connected over OCPP ${settings.ocppVersion}, ${settings.connectors} EV(s) charging`,
  );
  return charger;
}

async function startSession(charger: SimulatedCharger, version: '1.6' | '2.0.1', connectorId: number) {
  const idTag = `EV-${charger.identity}-${connectorId}`;
  if (version === '1.6') {
    await charger.statusNotification(connectorId, 'Preparing');
    await charger.startTransaction(connectorId, idTag, 0);
    await charger.statusNotification(connectorId, 'Charging');
    return;
  }
  await charger.statusNotification(connectorId, 'Occupied');
  await charger.transactionEvent('Started', {
    transactionId: `${idTag}-${Date.now()}`,
    evseId: connectorId,
    idToken: idTag,
    chargingState: 'Charging',
  });
}

/**
 * With `SIM_DSO_LINK=true` the DSO is a full Capacity Provider: it listens on 127.0.0.1, registers with
 * the token swap, hand-shakes asking for heartbeats and CONTINUOUS measurements, and sends heartbeats.
 */
async function startDso(settings: SimulatorSettings): Promise<SimulatedDso | undefined> {
  if (!settings.dso) return undefined;
  const dso = new SimulatedDso({
    baseUrl: new URL('/oscp/fp/2.0', settings.controllerUrl).toString(),
    token: settings.dso.token,
  });
  if (!settings.dso.link) return dso;
  console.log(`DSO: listening on ${await dso.listen()}`);
  console.log(`DSO: register: HTTP ${(await dso.register()).status}`);
  await dso.waitFor('register');
  const heartbeatS = settings.dso.heartbeatS;
  const handshake = await dso.handshake({
    heartbeat_interval: heartbeatS,
    measurement_configuration: ['CONTINUOUS'],
  });
  console.log(`DSO: handshake: HTTP ${handshake.status}`);
  dso.startHeartbeats(heartbeatS * 1000, 3);
  return dso;
}

async function sendForecast(settings: SimulatorSettings, dso: SimulatedDso | undefined): Promise<void> {
  if (!settings.dso || !dso) return;
  const hour = 3_600_000;
  const start = Math.floor(Date.now() / hour) * hour;
  const blocks = [0, 1, 2, 3].map((i) => ({
    capacity: settings.dso!.capacityA,
    phase: 'ALL',
    unit: 'A',
    start_time: new Date(start + i * hour).toISOString(),
    end_time: new Date(start + (i + 1) * hour).toISOString(),
  }));
  const { status, body } = await dso.sendCapacityForecast({
    groupId: settings.dso.groupId,
    type: 'CONSUMPTION',
    blocks,
  });
  console.log(
    `DSO: forecast of ${settings.dso.capacityA} A for group ${settings.dso.groupId}: HTTP ${status}`,
    body ?? '',
  );
}

/** Every interval, each EV draws what its connector is offered, and the charger reports it. */
async function meterLoop(settings: SimulatorSettings, chargers: SimulatedCharger[], signal: AbortSignal) {
  const energyWh = new Map<string, number>();
  for await (const _ of every(settings.meterIntervalS * 1000, undefined, { signal })) {
    for (const charger of chargers) {
      for (let connectorId = 1; connectorId <= settings.connectors; connectorId++) {
        const currentA = offeredCurrent(charger, connectorId, settings.evMaxCurrentA);
        const powerW = currentA * 230 * 3;
        const key = `${charger.identity}/${connectorId}`;
        const energy = (energyWh.get(key) ?? 0) + (powerW * settings.meterIntervalS) / 3600;
        energyWh.set(key, energy);
        await charger.meterValues(connectorId, {
          currentA: [currentA, currentA, currentA],
          powerW,
          energyWh: energy,
        });
        console.log(`${key}: drawing ${currentA} A per phase`);
      }
    }
  }
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const chargers = await Promise.all(settings.chargers.map((identity) => startCharger(settings, identity)));
  const dso = await startDso(settings);
  await sendForecast(settings, dso);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  await meterLoop(settings, chargers, stop.signal).catch((error: unknown) => {
    if (!stop.signal.aborted) throw error;
  });
  await Promise.all(chargers.map((charger) => charger.close()));
  for (const message of dso?.received ?? [])
    console.log(`DSO: received ${message.path}`, JSON.stringify(message.body));
  await dso?.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
