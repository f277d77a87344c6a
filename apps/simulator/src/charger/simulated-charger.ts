import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { IHandlersOption, RPCClient, UnexpectedHttpResponse } from 'ocpp-rpc';

/**
 * A scripted OCPP 1.6J charge point speaking the real wire protocol through ocpp-rpc, strict in both
 * directions: what it sends and what it accepts must pass the official 1.6 schemas.
 */

export type ConnectorStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEVSE'
  | 'SuspendedEV'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted';

export type ProfileAnswer = 'Accepted' | 'Rejected' | 'NotSupported';

/** `SetChargingProfile.req` as a 1.6 charger receives it. */
export interface ReceivedChargingProfile {
  connectorId: number;
  csChargingProfiles: {
    chargingProfileId: number;
    transactionId?: number;
    stackLevel: number;
    chargingProfilePurpose: string;
    chargingProfileKind: string;
    chargingSchedule: {
      duration?: number;
      startSchedule?: string;
      chargingRateUnit: 'A' | 'W';
      chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
    };
  };
}

export interface SimulatedChargerOptions {
  /** The CSMS endpoint without the identity, e.g. `ws://127.0.0.1:3000/ocpp`. */
  endpoint: string;
  identity: string;
  /** HTTP Basic password (security profile 1); none when absent. */
  password?: string;
  connectorCount: number;
  vendor?: string;
  model?: string;
  firmwareVersion?: string;
  /** How long the charger waits for the CSMS to answer its own CALLs. */
  callTimeoutMs?: number;
}

export interface MeterReadings {
  /** Per phase, L1..L3, in A. */
  currentA?: [number, number, number];
  powerW?: number;
  energyWh?: number;
  transactionId?: number;
}

/** The CSMS refused the WebSocket upgrade: 400 subprotocol, 401 password, 404 unknown identity. */
export class ConnectionRefusedError extends Error {
  override readonly name = 'ConnectionRefusedError';

  constructor(
    readonly identity: string,
    readonly statusCode: number,
  ) {
    super(`Charger ${identity}: the server refused the WebSocket upgrade with HTTP ${statusCode}`);
  }
}

interface ProfileWaiter {
  offer(profile: ReceivedChargingProfile): void;
  abort(error: Error): void;
}

type RpcClientOptions = ConstructorParameters<typeof RPCClient>[0];

export class SimulatedCharger {
  /** Every `SetChargingProfile` payload received, in order of arrival. */
  readonly receivedProfiles: ReceivedChargingProfile[] = [];
  /** The status this charger answers `SetChargingProfile` with. */
  profileAnswer: ProfileAnswer = 'Accepted';
  /** Delays every answer to the CSMS's CALLs, e.g. to make the CSMS time out. */
  answerDelayMs = 0;

  private readonly client: RPCClient;
  private readonly waiters = new Set<ProfileWaiter>();

  constructor(private readonly options: SimulatedChargerOptions) {
    // The ocpp-rpc typings declare every option required although all but identity have defaults.
    const clientOptions: Partial<RpcClientOptions> = {
      endpoint: options.endpoint,
      identity: options.identity,
      password: options.password ?? null,
      protocols: ['ocpp1.6'],
      strictMode: ['ocpp1.6'],
      reconnect: false,
      callTimeoutMs: options.callTimeoutMs ?? 10_000,
    };
    this.client = new RPCClient(clientOptions as RpcClientOptions);
    this.client.handle('SetChargingProfile', (call: IHandlersOption) => this.onSetChargingProfile(call));
    this.client.handle('ClearChargingProfile', async ({ signal }: IHandlersOption) => {
      await this.answerDelay(signal);
      return { status: 'Accepted' };
    });
  }

  get identity(): string {
    return this.options.identity;
  }

  /** Opens the WebSocket; rejects with ConnectionRefusedError when the CSMS refuses the upgrade. */
  async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (error) {
      if (error instanceof UnexpectedHttpResponse) {
        throw new ConnectionRefusedError(this.identity, Number(error.code));
      }
      throw error;
    }
  }

  /** Sends any CALL and resolves with the CSMS's answer; the named methods below cover the usual ones. */
  async call<T>(action: string, payload: object): Promise<T> {
    return (await this.client.call(action, payload)) as T;
  }

  boot(): Promise<{ status: string; currentTime: string; interval: number }> {
    return this.call('BootNotification', {
      chargePointVendor: this.options.vendor ?? 'gridflex',
      chargePointModel: this.options.model ?? 'SimCharger',
      firmwareVersion: this.options.firmwareVersion ?? '1.0.0',
    });
  }

  heartbeat(): Promise<{ currentTime: string }> {
    return this.call('Heartbeat', {});
  }

  async statusNotification(
    connectorId: number,
    status: ConnectorStatus,
    errorCode = 'NoError',
  ): Promise<void> {
    this.checkConnector(connectorId, 0);
    await this.call('StatusNotification', { connectorId, errorCode, status, timestamp: isoNow() });
  }

  /** Resolves with the transactionId the CSMS assigned; rejects when it does not accept the start. */
  async startTransaction(
    connectorId: number,
    idTag: string,
    meterStartWh: number,
    timestamp = new Date(),
  ): Promise<number> {
    this.checkConnector(connectorId, 1);
    const answer = await this.call<{ idTagInfo: { status: string }; transactionId: number }>(
      'StartTransaction',
      {
        connectorId,
        idTag,
        meterStart: meterStartWh,
        timestamp: timestamp.toISOString(),
      },
    );
    if (answer.idTagInfo.status !== 'Accepted') {
      throw new Error(`Charger ${this.identity}: StartTransaction answered ${answer.idTagInfo.status}`);
    }
    return answer.transactionId;
  }

  async meterValues(connectorId: number, readings: MeterReadings, timestamp = new Date()): Promise<void> {
    this.checkConnector(connectorId, 0);
    const sampledValue = sampledValues(readings);
    if (sampledValue.length === 0) throw new Error('meterValues needs at least one reading');
    await this.call('MeterValues', {
      connectorId,
      ...(readings.transactionId !== undefined && { transactionId: readings.transactionId }),
      meterValue: [{ timestamp: timestamp.toISOString(), sampledValue }],
    });
  }

  async stopTransaction(
    transactionId: number,
    meterStopWh: number,
    reason?: string,
    timestamp = new Date(),
  ): Promise<void> {
    await this.call('StopTransaction', {
      transactionId,
      meterStop: meterStopWh,
      timestamp: timestamp.toISOString(),
      ...(reason !== undefined && { reason }),
    });
  }

  /**
   * Resolves with the first profile received, before or after this call, that matches `predicate`. The type
   * parameter lets a test read the payload through its own view of the wire format.
   */
  waitForProfile<P = ReceivedChargingProfile>(
    predicate: (profile: P) => boolean,
    timeoutMs: number,
  ): Promise<P> {
    const matches = (profile: ReceivedChargingProfile) => predicate(profile as P);
    const received = this.receivedProfiles.find(matches);
    if (received) return Promise.resolve(received as P);
    return new Promise<P>((resolve, reject) => {
      const timer = setTimeout(
        () => waiter.abort(new Error(`${this.identity}: no matching profile in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const settle = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: ProfileWaiter = {
        offer: (profile) => {
          try {
            if (!matches(profile)) return;
            settle();
            resolve(profile as P);
          } catch (error) {
            waiter.abort(error instanceof Error ? error : new Error(String(error)));
          }
        },
        abort: (error) => {
          settle();
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves when the connection has closed, whichever side closed it. */
  async waitForDisconnect(): Promise<{ code?: number; reason?: string }> {
    if (this.client.state === RPCClient.CLOSED) return {};
    const [event] = (await once(this.client, 'close')) as [{ code?: number; reason?: string }];
    return event;
  }

  async close(): Promise<void> {
    for (const waiter of [...this.waiters]) waiter.abort(new Error(`${this.identity}: closed`));
    await this.client.close({ code: 1000 });
  }

  private async onSetChargingProfile({
    params,
    signal,
  }: IHandlersOption): Promise<{ status: ProfileAnswer }> {
    const profile = params as ReceivedChargingProfile;
    this.receivedProfiles.push(profile);
    for (const waiter of [...this.waiters]) waiter.offer(profile);
    await this.answerDelay(signal);
    return { status: this.profileAnswer };
  }

  private async answerDelay(signal: AbortSignal | undefined): Promise<void> {
    if (this.answerDelayMs > 0) await delay(this.answerDelayMs, undefined, { signal });
  }

  private checkConnector(connectorId: number, lowest: 0 | 1): void {
    if (!Number.isInteger(connectorId) || connectorId < lowest || connectorId > this.options.connectorCount) {
      throw new Error(`Charger ${this.identity} has no connector ${connectorId}`);
    }
  }
}

function sampledValues(
  readings: MeterReadings,
): { value: string; measurand: string; phase?: string; unit: string }[] {
  const currents = (readings.currentA ?? []).map((amps, index) => ({
    value: String(amps),
    measurand: 'Current.Import',
    phase: `L${index + 1}`,
    unit: 'A',
  }));
  const power =
    readings.powerW === undefined
      ? []
      : [{ value: String(readings.powerW), measurand: 'Power.Active.Import', unit: 'W' }];
  const energy =
    readings.energyWh === undefined
      ? []
      : [{ value: String(readings.energyWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh' }];
  return [...currents, ...power, ...energy];
}

function isoNow(): string {
  return new Date().toISOString();
}
