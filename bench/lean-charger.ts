import { IHandlersOption, RPCClient } from 'ocpp-rpc';

/**
 * A minimal OCPP 1.6J charge point for benchmarks: 10,000 `SimulatedCharger`s (strict schema validation,
 * profile stacks, waiters) would cost the benchmark process more CPU than the controller it measures, on a
 * machine of 2 cores. This one answers at once and only what the controller asks of a charger on connect and
 * during dispatch: GetConfiguration, SetChargingProfile (always Accepted), TriggerMessage(StatusNotification).
 */

type RpcClientOptions = ConstructorParameters<typeof RPCClient>[0];

interface ReceivedProfile {
  connectorId: number;
  csChargingProfiles: { chargingSchedule: { chargingSchedulePeriod: { limit: number }[] } };
}

/** Called for every connector profile (connectorId > 0) a charger accepts, with the limit it replaces. */
export type ProfileListener = (previous: number, limit: number) => void;

/** Called for every SetChargingProfile payload a charger accepts, station-wide ones included. */
export type PayloadListener = (identity: string, payload: object) => void;

const CONFIGURATION: Record<string, string> = {
  SupportedFeatureProfiles: 'Core,SmartCharging',
  ChargingScheduleAllowedChargingRateUnit: 'Current',
  ChargingScheduleMaxPeriods: '24',
  ChargeProfileMaxStackLevel: '8',
};

export class LeanCharger {
  /** The first period's limit of the latest profile per connector (index 0 unused). */
  readonly limits: number[];
  /** Every SetChargingProfile received, station-wide ones included. */
  profilesReceived = 0;
  private readonly statuses: string[];
  private readonly client: RPCClient;

  constructor(
    endpoint: string,
    readonly identity: string,
    readonly connectorCount: number,
    private readonly onProfile: ProfileListener,
    private readonly onPayload?: PayloadListener,
  ) {
    this.limits = new Array<number>(connectorCount + 1).fill(Number.NaN);
    this.statuses = new Array<string>(connectorCount + 1).fill('Available');
    // The ocpp-rpc typings declare every option required although all but identity have defaults.
    const options: Partial<RpcClientOptions> = {
      endpoint,
      identity,
      protocols: ['ocpp1.6'],
      strictMode: false,
      reconnect: false,
      // Connecting thousands at once keeps the controller busy for a while: its answers may be slow.
      callTimeoutMs: 300_000,
    };
    this.client = new RPCClient(options as RpcClientOptions);
    this.client.handle('GetConfiguration', ({ params }: IHandlersOption) =>
      Promise.resolve(configuration((params as { key?: string[] }).key)),
    );
    this.client.handle('SetChargingProfile', ({ params }: IHandlersOption) =>
      Promise.resolve(this.accept(params as ReceivedProfile)),
    );
    this.client.handle('TriggerMessage', ({ params }: IHandlersOption) =>
      Promise.resolve(this.trigger((params as { requestedMessage: string }).requestedMessage)),
    );
  }

  /** Opens the socket, boots, and reports every connector's status. */
  /** Connects, boots and reports `status`; `opened` is told once the socket is open, before the Boot. */
  async connect(status: string, opened?: (identity: string) => void): Promise<void> {
    await this.client.connect();
    opened?.(this.identity);
    await this.client.call('BootNotification', {
      chargePointVendor: 'gridflex',
      chargePointModel: 'BenchCharger',
    });
    await this.report(status);
  }

  /** Reports every connector in `status`, one StatusNotification each. */
  async report(status: string): Promise<void> {
    for (let connectorId = 1; connectorId <= this.connectorCount; connectorId++) {
      this.statuses[connectorId] = status;
      await this.client.call('StatusNotification', {
        connectorId,
        errorCode: 'NoError',
        status,
        timestamp: new Date().toISOString(),
      });
    }
  }

  /** Any call of the charger's own, e.g. MeterValues: resolves with the central system's answer. */
  send(action: string, params: object): Promise<unknown> {
    return this.client.call(action, params);
  }

  async close(): Promise<void> {
    await this.client.close({ code: 1000, force: true });
  }

  private accept(profile: ReceivedProfile): { status: string } {
    this.profilesReceived++;
    this.onPayload?.(this.identity, profile);
    if (profile.connectorId > 0) {
      const limit = profile.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit;
      const previous = this.limits[profile.connectorId];
      this.limits[profile.connectorId] = limit;
      this.onProfile(previous, limit);
    }
    return { status: 'Accepted' };
  }

  private trigger(requestedMessage: string): { status: string } {
    if (requestedMessage !== 'StatusNotification') return { status: 'NotImplemented' };
    // After the answer, as a charger does: the controller is still waiting for it.
    setImmediate(() => void this.reportAgain());
    return { status: 'Accepted' };
  }

  private async reportAgain(): Promise<void> {
    try {
      for (let connectorId = 1; connectorId <= this.connectorCount; connectorId++) {
        await this.client.call('StatusNotification', {
          connectorId,
          errorCode: 'NoError',
          status: this.statuses[connectorId],
          timestamp: new Date().toISOString(),
        });
      }
    } catch {
      // Closed meanwhile: the next connection is asked again.
    }
  }
}

function configuration(keys: string[] | undefined): {
  configurationKey: { key: string; readonly: boolean; value: string }[];
  unknownKey: string[];
} {
  const requested = keys ?? Object.keys(CONFIGURATION);
  return {
    configurationKey: requested
      .filter((key) => key in CONFIGURATION)
      .map((key) => ({ key, readonly: true, value: CONFIGURATION[key] })),
    unknownKey: requested.filter((key) => !(key in CONFIGURATION)),
  };
}
