import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { createRPCError, IHandlersOption, NOREPLY, RPCClient, UnexpectedHttpResponse } from 'ocpp-rpc';
import { ChargingSchedule, ProfileStack, SetChargingProfilePayload } from './profile-stack';

/**
 * A scripted OCPP 1.6J charge point or 2.0.1 charging station speaking the real wire protocol through
 * ocpp-rpc, strict in both directions: what it sends and what it accepts must pass the official schemas of
 * its version. A 2.0.1 station has one connector per EVSE, and its connector numbers are the EVSE ids.
 */

export type OcppVersion = '1.6' | '2.0.1';

/** 2.0.1 `connectorStatus`. */
export type ConnectorStatus201 = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';

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

/** `NotSupported` is a 1.6 status; a 2.0.1 station answers it with a CALLERROR NotSupported (K01.FR.29). */
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
  /** `1.6` when absent. */
  ocppVersion?: OcppVersion;
  /** HTTP Basic password (security profile 1); none when absent. */
  password?: string;
  connectorCount: number;
  vendor?: string;
  model?: string;
  firmwareVersion?: string;
  /**
   * How far the charger's clock is ahead of the true time, in ms (negative: behind): the time stamps of its
   * StatusNotifications, and of its MeterValues and transactions unless given, are off by this much.
   */
  clockOffsetMs?: number;
  /** How long the charger waits for the CSMS to answer its own CALLs. */
  callTimeoutMs?: number;
  /** PEM certificate(s) the charger trusts for a `wss://` endpoint (security profile 2), beside the system's. */
  trustedCa?: string;
  /** Extra headers of the WebSocket upgrade, e.g. the X-Forwarded-For a proxy in front of the CSMS adds. */
  headers?: Record<string, string>;
  /**
   * What the charger reports in GetConfiguration (1.6 keys) or GetVariables (2.0.1, keyed
   * `Component.Variable`), and enforces: a profile with more periods than it allows, or in a unit it does not
   * accept, is Rejected. `DEFAULT_CAPABILITIES` when absent; `{}` reports nothing.
   */
  capabilities?: Partial<SimulatedCapabilities>;
  /**
   * Answers no request of the CSMS until its BootNotification has been Accepted, as many stations do after a
   * power-up (and after `reboot()`): requests before simply go unanswered (see `receivedCalls`).
   */
  silentUntilBoot?: boolean;
  /**
   * Sends `Authorize` for the idTag before each 1.6 StartTransaction and starts none the CSMS does not accept,
   * as chargers with `requireAuthorize` (the common setting) do.
   */
  requireAuthorize?: boolean;
  /** Keeps the profiles it was set across `reboot()`, as a station persisting them to flash does. */
  persistsProfiles?: boolean;
  /**
   * Per action, how many requests of the CSMS go unanswered before the charger answers them, e.g.
   * `{ GetConfiguration: 1 }` for a discovery that times out once.
   */
  unansweredCalls?: Record<string, number>;
  /**
   * Decides the answer to each SetChargingProfile (within the capabilities), e.g. to refuse a given limit, and
   * may hold it back until the test lets it go; `profileAnswer` when absent. The payload is the request as
   * received, in the charger's OCPP version.
   */
  profileAnswerFor?: (payload: object) => ProfileAnswer | Promise<ProfileAnswer>;
  /** Answers every SetChargingProfile with a CALLERROR of this code (e.g. `NotImplemented`) and applies nothing. */
  profileCallError?: string;
  /** Answers Accepted at once but enforces an accepted profile only this long after (ms). */
  profileApplyDelayMs?: number;
  /** Answers GetCompositeSchedule `Accepted` without any schedule. */
  emptyCompositeSchedule?: boolean;
  /** Sends every StopTransaction (1.6) or TransactionEvent Ended (2.0.1) twice, as after a lost answer. */
  duplicateStops?: boolean;
  /**
   * Keeps an energy register per connector, starting at this value (Wh), reported in every MeterValues that
   * gives no `energyWh` of its own; see `advanceRegister` and `resetRegister`. No register when absent.
   */
  meterRegisterStartWh?: number;
  /** Per-phase currents read as a real meter reads them (`drawOffered`); exact when absent. */
  currentNoise?: CurrentNoise;
  /**
   * Told of every SetChargingProfile: a refused one on receipt, an applied one when the charger starts to
   * enforce it (later with `profileApplyDelayMs`), so that an observer such as the grid-safety checker sees
   * what the charger enforces, not what it says.
   */
  onProfileAnswer?: (profile: ReceivedChargingProfile, status: ProfileAnswer, applied: boolean) => void;
}

/** A request of the CSMS as the charger received it. */
export interface ReceivedCall {
  action: string;
  /** Arrived before a BootNotification of the charger was Accepted since it (re)started. */
  beforeBoot: boolean;
  /** Left unanswered (`silentUntilBoot`, `unansweredCalls`). */
  ignored: boolean;
}

/** How a charger's meter misreads per-phase currents. */
export interface CurrentNoise {
  /** Each phase reads up to this many A above or below its current; an idle phase up to this much. */
  amplitudeA: number;
  /** The chance that a phase the EV draws on reads below 1 A for one sample (a glitch of its sensor). */
  dropoutProbability?: number;
  /** In [0, 1); Math.random when absent, a seeded one for reproducible tests. */
  random?: () => number;
}

export interface SimulatedCapabilities {
  smartCharging: boolean;
  rateUnits: ('A' | 'W')[];
  maxPeriods: number;
  maxStackLevel: number;
  /** 2.0.1 `EVSE.SupplyPhases`: 0 is a DC station. Not reported when absent. */
  supplyPhases?: number;
  /** Reports the local auth list (1.6 LocalAuthListManagement, 2.0.1 `LocalAuthListCtrlr`) unless false. */
  localAuthList?: boolean;
  /**
   * Entries one SendLocalList may carry (1.6 `SendLocalListMaxLength`, 2.0.1 `ItemsPerMessage`): a longer one is
   * answered `Failed` and applied not at all. Unlimited and not reported when absent.
   */
  localListItemsPerMessage?: number;
  /** Entries the list holds at most (`LocalAuthListMaxLength`, `Entries`), enforced like the above. */
  localListMaxEntries?: number;
}

export const DEFAULT_CAPABILITIES: SimulatedCapabilities = {
  smartCharging: true,
  rateUnits: ['A', 'W'],
  maxPeriods: 24,
  maxStackLevel: 8,
};

export interface MeterReadings {
  /** Per phase, L1..L3, in A. */
  currentA?: [number, number, number];
  powerW?: number;
  energyWh?: number;
  /** `SoC` in %. */
  socPercent?: number;
  /** `Current.Offered`, A per phase. */
  offeredCurrentA?: number;
  transactionId?: number;
}

/** An EV on a connector: what it can draw per phase, and on which of the charger's phases. */
export interface SimulatedEv {
  maxCurrentA: number;
  /** Charger phases L1..L3 the EV draws on, e.g. `[true, false, false]` for a single-phase EV. */
  phases: [boolean, boolean, boolean];
  socPercent?: number;
  /** Mid-session switches, in time order: from `at` on the EV draws on `phases` (1 → 3 phases, 3 → 1...). */
  phaseSwitches?: { at: Date; phases: [boolean, boolean, boolean] }[];
}

/** A 2.0.1 external limit source (`ChargingLimitSourceEnumType`). */
export type ChargingLimitSource = 'EMS' | 'Other' | 'SO' | 'CSO';

/** An external limit as a station reports it in NotifyChargingLimit: A or W from its start on. */
export interface ExternalLimit {
  limit: number;
  chargingRateUnit?: 'A' | 'W';
  isGridCritical?: boolean;
}

/** One 2.0.1 TransactionEvent; `seqNo` is counted by the station, `timestamp` defaults to now. */
export interface TransactionEventOptions {
  transactionId: string;
  /** Required on the first event of a transaction. */
  evseId?: number;
  chargingState?: 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';
  triggerReason?: string;
  idToken?: string;
  readings?: MeterReadings;
  stoppedReason?: string;
  /** Queued while the station was offline. */
  offline?: boolean;
  timestamp?: Date;
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

/** `SendLocalList.req` of either version. */
export interface LocalListRequest {
  updateType: 'Full' | 'Differential';
  listVersion?: number;
  versionNumber?: number;
  localAuthorizationList?: {
    idTag?: string;
    idTagInfo?: { status: string };
    idToken?: { idToken: string; type: string };
    idTokenInfo?: { status: string };
  }[];
}

/** GetCompositeSchedule: `connectorId` in 1.6, `evseId` in 2.0.1. */
interface CompositeScheduleRequest {
  connectorId?: number;
  evseId?: number;
  duration: number;
}

export class SimulatedCharger {
  /** Every `SetChargingProfile` payload received, in order of arrival. */
  readonly receivedProfiles: ReceivedChargingProfile[] = [];
  /** The status this charger answers `SetChargingProfile` with. */
  profileAnswer: ProfileAnswer = 'Accepted';
  /** Delays every answer to the CSMS's CALLs, e.g. to make the CSMS time out. */
  answerDelayMs = 0;
  /** A faulty charger: answers Accepted but applies nothing, which only reading its composite schedule shows. */
  ignoresProfiles = false;
  /** The `requestedMessage` of every TriggerMessage received, in order of arrival. */
  readonly triggeredMessages: string[] = [];
  /** Every ClearChargingProfile payload received, in order of arrival. */
  readonly clearRequests: object[] = [];
  /** Every ChangeConfiguration (1.6) or SetVariables (2.0.1) payload received, in order of arrival. */
  readonly configurationChanges: object[] = [];
  /** Actions answered with a CALLERROR of this code instead of their answer, to test a CSMS's handling. */
  readonly callErrors = new Map<string, string>();
  /** Every request of the CSMS, in order of arrival. */
  readonly receivedCalls: ReceivedCall[] = [];
  /** The local auth list the CSMS sent: status by id token (lower case, as OCPP compares them). */
  readonly localAuthList = new Map<string, string>();
  /** Its version (0: none). */
  localListVersion = 0;
  /** Every SendLocalList payload received, in order of arrival. */
  readonly localListUpdates: LocalListRequest[] = [];

  readonly ocppVersion: OcppVersion;
  private readonly client: RPCClient;
  private readonly waiters = new Set<ProfileWaiter>();
  private readonly installed = new ProfileStack();
  /** The connector of each running transaction, to drop its TxProfile when it ends. */
  private readonly transactionConnectors = new Map<string | number, number>();
  private seqNo = 0;
  /** The status last reported per connector, to report it again when the CSMS asks. */
  private readonly connectorStatuses = new Map<number, ConnectorStatus | ConnectorStatus201>();
  /** Whether the CSMS has Accepted a BootNotification since the charger (re)started. */
  private bootAccepted = false;
  /** Per action, the requests left unanswered so far under `unansweredCalls`. */
  private readonly unansweredSoFar = new Map<string, number>();
  /** Energy registers per connector (Wh), with `meterRegisterStartWh`. */
  private readonly registers = new Map<number, number>();

  constructor(private readonly options: SimulatedChargerOptions) {
    this.ocppVersion = options.ocppVersion ?? '1.6';
    const protocol = `ocpp${this.ocppVersion}`;
    // The ocpp-rpc typings declare every option required although all but identity have defaults.
    const clientOptions: Partial<RpcClientOptions> = {
      endpoint: options.endpoint,
      identity: options.identity,
      password: options.password ?? null,
      protocols: [protocol],
      strictMode: [protocol],
      reconnect: false,
      callTimeoutMs: options.callTimeoutMs ?? 10_000,
      ...(options.trustedCa !== undefined && { wsOpts: { ca: options.trustedCa } }),
      ...(options.headers !== undefined && { headers: options.headers }),
    };
    this.client = new RPCClient(clientOptions as RpcClientOptions);
    this.watchBootAnswers();
    this.gateHandlers();
    if (options.profileCallError !== undefined)
      this.callErrors.set('SetChargingProfile', options.profileCallError);
    this.client.handle('SetChargingProfile', (call: IHandlersOption) => this.onSetChargingProfile(call));
    this.client.handle('GetConfiguration', ({ params }: IHandlersOption) =>
      Promise.resolve(this.configuration16((params as { key?: string[] }).key)),
    );
    this.client.handle('GetVariables', ({ params }: IHandlersOption) =>
      Promise.resolve(this.variables201((params as { getVariableData: VariableRequest[] }).getVariableData)),
    );
    this.client.handle('TriggerMessage', ({ params }: IHandlersOption) =>
      Promise.resolve(this.onTriggerMessage((params as { requestedMessage: string }).requestedMessage)),
    );
    this.client.handle('ClearChargingProfile', async ({ params, signal }: IHandlersOption) => {
      this.clearRequests.push(params as object);
      await this.answerDelay(signal);
      this.throwConfiguredCallError('ClearChargingProfile');
      return { status: 'Accepted' };
    });
    this.client.handle('GetCompositeSchedule', ({ params }: IHandlersOption) =>
      Promise.resolve(this.onGetCompositeSchedule(params as CompositeScheduleRequest)),
    );
    this.client.handle('GetLocalListVersion', () => Promise.resolve(this.onGetLocalListVersion()));
    this.client.handle('SendLocalList', ({ params }: IHandlersOption) =>
      Promise.resolve(this.onSendLocalList(params as LocalListRequest)),
    );
    this.client.handle('ChangeConfiguration', ({ params }: IHandlersOption) =>
      Promise.resolve(
        this.onConfigurationChange('ChangeConfiguration', params as object, { status: 'Accepted' }),
      ),
    );
    this.client.handle('SetVariables', ({ params }: IHandlersOption) => {
      const { setVariableData } = params as { setVariableData: { component: object; variable: object }[] };
      const setVariableResult = setVariableData.map(({ component, variable }) => ({
        attributeStatus: 'Accepted',
        component,
        variable,
      }));
      return Promise.resolve(
        this.onConfigurationChange('SetVariables', params as object, { setVariableResult }),
      );
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

  /** Sends `frame` exactly as given, however malformed: what a faulty or hostile charger would send. */
  sendRaw(frame: string): void {
    this.client.sendRaw(frame);
  }

  /** Hands every frame the CSMS sends, as text, to `listener`. */
  onFrame(listener: (frame: string) => void): void {
    this.client.on('message', ({ message, outbound }: { message: Buffer | string; outbound: boolean }) => {
      if (!outbound) listener(String(message));
    });
  }

  boot(): Promise<{ status: string; currentTime: string; interval: number }> {
    const vendor = this.options.vendor ?? 'gridflex';
    const model = this.options.model ?? 'SimCharger';
    const firmwareVersion = this.options.firmwareVersion ?? '1.0.0';
    if (this.ocppVersion === '2.0.1') {
      return this.call('BootNotification', {
        reason: 'PowerUp',
        chargingStation: { vendorName: vendor, model, firmwareVersion },
      });
    }
    return this.call('BootNotification', {
      chargePointVendor: vendor,
      chargePointModel: model,
      firmwareVersion,
    });
  }

  heartbeat(): Promise<{ currentTime: string }> {
    return this.call('Heartbeat', {});
  }

  /** For 2.0.1, `connectorId` is the EVSE id and `status` a 2.0.1 `connectorStatus`. */
  async statusNotification(
    connectorId: number,
    status: ConnectorStatus | ConnectorStatus201,
    errorCode = 'NoError',
  ): Promise<void> {
    this.checkConnector(connectorId, 0);
    this.connectorStatuses.set(connectorId, status);
    if (this.ocppVersion === '2.0.1') {
      await this.call('StatusNotification', {
        timestamp: this.clockNow().toISOString(),
        connectorStatus: status,
        evseId: connectorId,
        connectorId: 1,
      });
      return;
    }
    const timestamp = this.clockNow().toISOString();
    await this.call('StatusNotification', { connectorId, errorCode, status, timestamp });
  }

  /** 2.0.1 only: a TransactionEvent with the next `seqNo`; resolves with the CSMS's answer. */
  async transactionEvent(
    eventType: 'Started' | 'Updated' | 'Ended',
    options: TransactionEventOptions,
  ): Promise<{ idTokenInfo?: { status: string } }> {
    this.requireVersion('2.0.1', 'TransactionEvent');
    if (options.evseId !== undefined) {
      this.checkConnector(options.evseId, 1);
      this.transactionConnectors.set(options.transactionId, options.evseId);
    }
    const timestamp = (options.timestamp ?? this.clockNow()).toISOString();
    const readings = options.readings && sampledValues201(options.readings);
    const answer = await this.call<{ idTokenInfo?: { status: string } }>('TransactionEvent', {
      eventType,
      timestamp,
      triggerReason: options.triggerReason ?? defaultTriggerReason(eventType),
      seqNo: this.seqNo++,
      ...(options.offline !== undefined && { offline: options.offline }),
      transactionInfo: {
        transactionId: options.transactionId,
        ...(options.chargingState !== undefined && { chargingState: options.chargingState }),
        ...(options.stoppedReason !== undefined && { stoppedReason: options.stoppedReason }),
      },
      ...(options.evseId !== undefined && { evse: { id: options.evseId, connectorId: 1 } }),
      ...(options.idToken !== undefined && { idToken: { idToken: options.idToken, type: 'ISO14443' } }),
      ...(readings?.length && { meterValue: [{ timestamp, sampledValue: readings }] }),
    });
    if (eventType === 'Ended') {
      this.transactionEnded(options.transactionId);
      if (this.options.duplicateStops) await this.repeatTransactionEnded(options, timestamp);
    }
    return answer;
  }

  /** Asks the CSMS whether the id token may charge (1.6 idTag, 2.0.1 ISO14443 idToken); resolves with its status. */
  async authorize(idToken: string): Promise<string> {
    if (this.ocppVersion === '1.6') {
      const answer = await this.call<{ idTagInfo: { status: string } }>('Authorize', { idTag: idToken });
      return answer.idTagInfo.status;
    }
    const answer = await this.call<{ idTokenInfo: { status: string } }>('Authorize', {
      idToken: { idToken, type: 'ISO14443' },
    });
    return answer.idTokenInfo.status;
  }

  /** Resolves with the transactionId the CSMS assigned; rejects when it does not accept the start. */
  async startTransaction(
    connectorId: number,
    idTag: string,
    meterStartWh: number,
    timestamp = this.clockNow(),
  ): Promise<number> {
    this.requireVersion('1.6', 'StartTransaction');
    this.checkConnector(connectorId, 1);
    if (this.options.requireAuthorize) {
      const status = await this.authorize(idTag);
      if (status !== 'Accepted') throw new Error(`Charger ${this.identity}: Authorize answered ${status}`);
    }
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
    this.transactionConnectors.set(answer.transactionId, connectorId);
    return answer.transactionId;
  }

  /**
   * The EV draws what the connector is offered (the composite of the profiles and external limits applied, at
   * most its own maximum) on its phases, and the charger reports it with the offered current and the SoC.
   * @returns the current drawn per phase
   */
  async drawOffered(connectorId: number, ev: SimulatedEv, timestamp = new Date()): Promise<number> {
    const offeredA = this.offeredCurrentA(connectorId, timestamp) ?? ev.maxCurrentA;
    const drawnA = Math.min(offeredA, ev.maxCurrentA);
    const phases = evPhasesAt(ev, timestamp);
    const currentA = phases.map((used) => (used ? drawnA : 0)) as [number, number, number];
    await this.meterValues(
      connectorId,
      {
        currentA: this.options.currentNoise ? noisyCurrents(currentA, this.options.currentNoise) : currentA,
        powerW: Math.round(drawnA * 230 * phases.filter(Boolean).length),
        offeredCurrentA: offeredA,
        ...(ev.socPercent !== undefined && { socPercent: ev.socPercent }),
      },
      timestamp,
    );
    return drawnA;
  }

  /**
   * 2.0.1 only: the station's own EMS (or another actor) limits an EVSE (0: the whole station) from now on.
   * The station applies it to what it offers and tells the CSMS, with the schedule unless `withSchedule` is false.
   */
  async notifyChargingLimit(
    evseId: number,
    source: ChargingLimitSource,
    limit: ExternalLimit,
    withSchedule = true,
  ): Promise<void> {
    this.requireVersion('2.0.1', 'NotifyChargingLimit');
    this.checkConnector(evseId, 0);
    const schedule: ChargingSchedule = {
      startSchedule: isoNow(),
      chargingRateUnit: limit.chargingRateUnit ?? 'A',
      chargingSchedulePeriod: [{ startPeriod: 0, limit: limit.limit }],
    };
    this.installed.setExternalLimit(evseId, source, schedule);
    await this.call('NotifyChargingLimit', {
      ...(evseId > 0 && { evseId }),
      chargingLimit: {
        chargingLimitSource: source,
        ...(limit.isGridCritical !== undefined && { isGridCritical: limit.isGridCritical }),
      },
      ...(withSchedule && { chargingSchedule: [{ id: 1, ...schedule }] }),
    });
  }

  /** 2.0.1 only: the limit of that source on the EVSE (0: the station) is gone. */
  async clearedChargingLimit(evseId: number, source: ChargingLimitSource): Promise<void> {
    this.requireVersion('2.0.1', 'ClearedChargingLimit');
    this.checkConnector(evseId, 0);
    this.installed.setExternalLimit(evseId, source, null);
    await this.call('ClearedChargingLimit', { chargingLimitSource: source, ...(evseId > 0 && { evseId }) });
  }

  /** For 2.0.1, `connectorId` is the EVSE id and `transactionId` is not sent (it is a 1.6 field). */
  async meterValues(
    connectorId: number,
    readings: MeterReadings,
    timestamp = this.clockNow(),
  ): Promise<void> {
    this.checkConnector(connectorId, 0);
    readings = this.withRegister(connectorId, readings);
    const sampledValue = this.ocppVersion === '2.0.1' ? sampledValues201(readings) : sampledValues(readings);
    if (sampledValue.length === 0) throw new Error('meterValues needs at least one reading');
    const meterValue = [{ timestamp: timestamp.toISOString(), sampledValue }];
    if (this.ocppVersion === '2.0.1') {
      await this.call('MeterValues', { evseId: connectorId, meterValue });
      return;
    }
    await this.call('MeterValues', {
      connectorId,
      ...(readings.transactionId !== undefined && { transactionId: readings.transactionId }),
      meterValue,
    });
  }

  async stopTransaction(
    transactionId: number,
    meterStopWh: number,
    reason?: string,
    timestamp = this.clockNow(),
  ): Promise<void> {
    this.requireVersion('1.6', 'StopTransaction');
    await this.call('StopTransaction', {
      transactionId,
      meterStop: meterStopWh,
      timestamp: timestamp.toISOString(),
      ...(reason !== undefined && { reason }),
    });
    this.transactionEnded(transactionId);
    if (this.options.duplicateStops) await this.repeatStopTransaction(transactionId, meterStopWh, timestamp);
  }

  /** `duplicateStops`: the same StopTransaction again, as a charger that missed the first answer sends it. */
  private async repeatStopTransaction(transactionId: number, meterStopWh: number, timestamp: Date) {
    await this.call('StopTransaction', {
      transactionId,
      meterStop: meterStopWh,
      timestamp: timestamp.toISOString(),
    });
  }

  /** `duplicateStops`: the same Ended event again with the next `seqNo`, as a station that missed the answer. */
  private async repeatTransactionEnded(options: TransactionEventOptions, timestamp: string) {
    await this.call('TransactionEvent', {
      eventType: 'Ended',
      timestamp,
      triggerReason: options.triggerReason ?? defaultTriggerReason('Ended'),
      seqNo: this.seqNo++,
      transactionInfo: {
        transactionId: options.transactionId,
        ...(options.stoppedReason !== undefined && { stoppedReason: options.stoppedReason }),
      },
    });
  }

  /** With `meterRegisterStartWh`: the connector's energy register (Wh). */
  registerWh(connectorId: number): number {
    return this.registers.get(connectorId) ?? this.options.meterRegisterStartWh ?? 0;
  }

  /** With `meterRegisterStartWh`: the connector delivered `energyWh` more. */
  advanceRegister(connectorId: number, energyWh: number): void {
    this.registers.set(connectorId, this.registerWh(connectorId) + energyWh);
  }

  /** With `meterRegisterStartWh`: the register restarts from `toWh`, as after a reboot or a meter swap. */
  resetRegister(connectorId: number, toWh = 0): void {
    this.registers.set(connectorId, toWh);
  }

  private withRegister(connectorId: number, readings: MeterReadings): MeterReadings {
    if (this.options.meterRegisterStartWh === undefined || readings.energyWh !== undefined) return readings;
    return { ...readings, energyWh: this.registerWh(connectorId) };
  }

  private transactionEnded(transactionId: string | number): void {
    const connectorId = this.transactionConnectors.get(transactionId);
    if (connectorId === undefined) return;
    this.installed.clearTxProfiles(connectorId);
    this.transactionConnectors.delete(transactionId);
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

  /**
   * The current per phase the charger offers the connector under the profiles it accepted (the composite of
   * station maximum and connector profile); null when no profile limits it.
   */
  offeredCurrentA(connectorId: number, at = new Date()): number | null {
    return this.installed.offeredCurrentA(connectorId, at);
  }

  /** Resolves when the connection has closed, whichever side closed it. */
  /** The time on the charger's clock (`clockOffsetMs`). */
  clockNow(): Date {
    return new Date(Date.now() + (this.options.clockOffsetMs ?? 0));
  }

  async waitForDisconnect(): Promise<{ code?: number; reason?: string }> {
    if (this.client.state === RPCClient.CLOSED) return {};
    const [event] = (await once(this.client, 'close')) as [{ code?: number; reason?: string }];
    return event;
  }

  async close(): Promise<void> {
    for (const waiter of [...this.waiters]) waiter.abort(new Error(`${this.identity}: closed`));
    await this.client.close({ code: 1000 });
  }

  /**
   * The connection drops and the charger connects again without booting, as after a network outage: it keeps
   * its profiles and, having been booted, answers at once.
   */
  async reconnect(): Promise<void> {
    await this.client.close({ code: 1001 });
    await this.connect();
  }

  /**
   * The charger restarts: it closes the connection, loses the profiles it was set unless `persistsProfiles`,
   * connects again and sends BootNotification — once `beforeBoot` has resolved, if given (a test may wait
   * for the CSMS's first request). Resolves with the CSMS's answer to the Boot.
   */
  async reboot(
    beforeBoot?: () => Promise<unknown>,
  ): Promise<{ status: string; currentTime: string; interval: number }> {
    await this.client.close({ code: 1001 });
    this.bootAccepted = false;
    if (!this.options.persistsProfiles) this.installed.clearSetProfiles();
    this.transactionConnectors.clear();
    await this.connect();
    await beforeBoot?.();
    return this.boot();
  }

  /**
   * The Boot's answer is noted as it arrives, before any request of the CSMS that follows it in the same read
   * is handled.
   */
  private watchBootAnswers(): void {
    let bootMessageId: string | undefined;
    this.client.on('call', ({ outbound, payload }: { outbound: boolean; payload: unknown[] }) => {
      if (outbound && payload[2] === 'BootNotification') bootMessageId = payload[1] as string;
    });
    this.client.on('response', ({ outbound, payload }: { outbound: boolean; payload: unknown[] }) => {
      if (outbound || payload[1] !== bootMessageId) return;
      this.bootAccepted = (payload[2] as { status?: string } | undefined)?.status === 'Accepted';
    });
  }

  /** Every handler registered from now on first records the request and may leave it unanswered. */
  private gateHandlers(): void {
    const handle = this.client.handle.bind(this.client);
    this.client.handle = (method: unknown, handler?: unknown) => {
      const inner = handler as (call: IHandlersOption) => Promise<Record<string, unknown>>;
      handle(method as string, (call: IHandlersOption) => {
        if (this.leavesUnanswered(method as string)) return Promise.resolve(NOREPLY as never);
        return inner(call);
      });
    };
  }

  private leavesUnanswered(action: string): boolean {
    const beforeBoot = !this.bootAccepted;
    const silent = beforeBoot && this.options.silentUntilBoot === true;
    const soFar = this.unansweredSoFar.get(action) ?? 0;
    const unanswered = !silent && soFar < (this.options.unansweredCalls?.[action] ?? 0);
    if (unanswered) this.unansweredSoFar.set(action, soFar + 1);
    const ignored = silent || unanswered;
    this.receivedCalls.push({ action, beforeBoot, ignored });
    return ignored;
  }

  private async onSetChargingProfile({
    params,
    signal,
  }: IHandlersOption): Promise<{ status: ProfileAnswer }> {
    const profile = params as ReceivedChargingProfile;
    const decided = this.withinCapabilities(profile) ? this.answerTo(params as object) : 'Rejected';
    const status = typeof decided === 'string' ? decided : await decided;
    const callError = this.callErrors.has('SetChargingProfile');
    // Applied on receipt, so that a waiting test sees its effect and a delayed answer still takes effect.
    if (status === 'Accepted' && !this.ignoresProfiles && !callError)
      this.applyProfile(params as SetChargingProfilePayload, profile);
    else this.options.onProfileAnswer?.(profile, status, false);
    this.receivedProfiles.push(profile);
    for (const waiter of [...this.waiters]) waiter.offer(profile);
    await this.answerDelay(signal);
    this.throwConfiguredCallError('SetChargingProfile');
    if (this.ocppVersion === '2.0.1' && status === 'NotSupported') {
      throw createRPCError('NotSupported', 'Smart charging is not supported') as Error;
    }
    return { status };
  }

  /** Only a test's `profileAnswerFor` may hold the answer back: otherwise it is decided at once. */
  private answerTo(payload: object): ProfileAnswer | Promise<ProfileAnswer> {
    return this.options.profileAnswerFor ? this.options.profileAnswerFor(payload) : this.profileAnswer;
  }

  /** At once, or `profileApplyDelayMs` later: a station that accepts first and enforces when it gets to it. */
  private applyProfile(payload: SetChargingProfilePayload, profile: ReceivedChargingProfile): void {
    const install = () => {
      this.installed.install(payload);
      this.options.onProfileAnswer?.(profile, 'Accepted', true);
    };
    const delayMs = this.options.profileApplyDelayMs;
    if (delayMs === undefined || delayMs <= 0) install();
    else setTimeout(install, delayMs).unref();
  }

  /**
   * Only StatusNotification is supported: every connector's last status (`Available` when none was reported)
   * is sent once the answer has gone out, as a real charger sends a triggered message after its answer.
   */
  private onTriggerMessage(requestedMessage: string): { status: 'Accepted' | 'NotImplemented' } {
    this.triggeredMessages.push(requestedMessage);
    this.throwConfiguredCallError('TriggerMessage');
    if (requestedMessage !== 'StatusNotification') return { status: 'NotImplemented' };
    setImmediate(() => void this.reportStatuses());
    return { status: 'Accepted' };
  }

  private async reportStatuses(): Promise<void> {
    try {
      for (let connectorId = 1; connectorId <= this.options.connectorCount; connectorId++) {
        await this.statusNotification(connectorId, this.connectorStatuses.get(connectorId) ?? 'Available');
      }
    } catch {
      // The connection closed meanwhile: the CSMS asks again on the next one.
    }
  }

  private get capabilities(): Partial<SimulatedCapabilities> {
    return this.options.capabilities ?? DEFAULT_CAPABILITIES;
  }

  private withinCapabilities(profile: ReceivedChargingProfile): boolean {
    const { maxPeriods, rateUnits } = this.capabilities;
    return schedulesOf(profile).every(
      (schedule) =>
        (maxPeriods === undefined || schedule.chargingSchedulePeriod.length <= maxPeriods) &&
        (rateUnits === undefined || rateUnits.includes(schedule.chargingRateUnit)),
    );
  }

  private configuration16(keys: string[] | undefined): {
    configurationKey: { key: string; readonly: boolean; value: string }[];
    unknownKey: string[];
  } {
    const { smartCharging, rateUnits, maxPeriods, maxStackLevel, localAuthList } = this.capabilities;
    const { localListItemsPerMessage, localListMaxEntries } = this.capabilities;
    const profiles = [
      'Core',
      smartCharging && 'SmartCharging',
      localAuthList !== false && 'LocalAuthListManagement',
    ];
    const known: Record<string, string | undefined> = {
      SupportedFeatureProfiles: smartCharging === undefined ? undefined : profiles.filter(Boolean).join(','),
      ChargingScheduleAllowedChargingRateUnit: rateUnits
        ?.map((unit) => (unit === 'A' ? 'Current' : 'Power'))
        .join(','),
      ChargingScheduleMaxPeriods: maxPeriods?.toString(),
      ChargeProfileMaxStackLevel: maxStackLevel?.toString(),
      SendLocalListMaxLength: localListItemsPerMessage?.toString(),
      LocalAuthListMaxLength: localListMaxEntries?.toString(),
    };
    const requested = keys ?? Object.keys(known);
    return {
      configurationKey: requested.flatMap((key) => {
        const value = known[key];
        return value === undefined ? [] : [{ key, readonly: true, value }];
      }),
      unknownKey: requested.filter((key) => known[key] === undefined),
    };
  }

  private variables201(requests: VariableRequest[]): { getVariableResult: object[] } {
    const { smartCharging, rateUnits, maxPeriods, maxStackLevel, supplyPhases, localAuthList } =
      this.capabilities;
    const { localListItemsPerMessage, localListMaxEntries } = this.capabilities;
    const known: Record<string, string | undefined> = {
      'SmartChargingCtrlr.Enabled': smartCharging?.toString(),
      'LocalAuthListCtrlr.Enabled': smartCharging === undefined ? undefined : String(localAuthList !== false),
      'SmartChargingCtrlr.RateUnit': rateUnits?.join(','),
      'SmartChargingCtrlr.PeriodsPerSchedule': maxPeriods?.toString(),
      'SmartChargingCtrlr.ProfileStackLevel': maxStackLevel?.toString(),
      'EVSE.SupplyPhases': supplyPhases?.toString(),
      'LocalAuthListCtrlr.ItemsPerMessage': localListItemsPerMessage?.toString(),
      'LocalAuthListCtrlr.Entries': localListMaxEntries?.toString(),
    };
    return {
      getVariableResult: requests.map(({ component, variable, attributeType }) => {
        const value = known[`${component.name}.${variable.name}`];
        return {
          attributeStatus: value === undefined ? 'UnknownVariable' : 'Accepted',
          ...(attributeType !== undefined && { attributeType }),
          ...(value !== undefined && { attributeValue: value }),
          component,
          variable,
        };
      }),
    };
  }

  /** Accepts every change: the simulator keeps no configuration beyond its capabilities. */
  private onConfigurationChange<T>(action: string, payload: object, answer: T): T {
    this.configurationChanges.push(payload);
    this.throwConfiguredCallError(action);
    return answer;
  }

  /**
   * The composite of the profiles the charger applies (32 A where none does), in A whatever unit was asked;
   * a charger told to ignore profiles answers as if it had none.
   */
  private onGetCompositeSchedule(request: CompositeScheduleRequest): object {
    this.throwConfiguredCallError('GetCompositeSchedule');
    const connectorId = request.connectorId ?? request.evseId ?? 0;
    if (this.options.emptyCompositeSchedule) return emptyComposite(this.ocppVersion, connectorId);
    const now = new Date();
    const chargingSchedule = {
      chargingRateUnit: 'A',
      duration: request.duration,
      chargingSchedulePeriod: this.installed.compositeSchedule(connectorId, now, request.duration, 32),
    };
    if (this.ocppVersion === '1.6') {
      return { status: 'Accepted', connectorId, scheduleStart: now.toISOString(), chargingSchedule };
    }
    return {
      status: 'Accepted',
      schedule: { evseId: connectorId, scheduleStart: now.toISOString(), ...chargingSchedule },
    };
  }

  private onGetLocalListVersion(): object {
    this.requireLocalList();
    return this.ocppVersion === '1.6'
      ? { listVersion: this.localListVersion }
      : { versionNumber: this.localListVersion };
  }

  /**
   * A Full list replaces the list; a Differential one adds or changes entries, and drops those without info,
   * when its version is above the one held (`VersionMismatch` otherwise, as OCPP defines it).
   */
  private onSendLocalList(request: LocalListRequest): { status: string } {
    this.requireLocalList();
    this.throwConfiguredCallError('SendLocalList');
    this.localListUpdates.push(request);
    const items = request.localAuthorizationList ?? [];
    const version = request.listVersion ?? request.versionNumber ?? 0;
    if (request.updateType === 'Differential' && version <= this.localListVersion) {
      return { status: 'VersionMismatch' };
    }
    const { localListItemsPerMessage, localListMaxEntries } = this.capabilities;
    if (localListItemsPerMessage !== undefined && items.length > localListItemsPerMessage) {
      return { status: 'Failed' };
    }
    const list = new Map(request.updateType === 'Full' ? [] : this.localAuthList);
    for (const entry of items) {
      const idToken = (entry.idTag ?? entry.idToken?.idToken ?? '').toLowerCase();
      const info = entry.idTagInfo ?? entry.idTokenInfo;
      if (info) list.set(idToken, info.status);
      else list.delete(idToken);
    }
    if (localListMaxEntries !== undefined && list.size > localListMaxEntries) return { status: 'Failed' };
    this.localAuthList.clear();
    for (const [idToken, status] of list) this.localAuthList.set(idToken, status);
    this.localListVersion = version;
    return { status: 'Accepted' };
  }

  /** A charger without the local list answers its messages with a CALLERROR. */
  private requireLocalList(): void {
    if (this.capabilities.localAuthList === false) {
      throw createRPCError('NotSupported', 'Simulated charger without a local auth list') as Error;
    }
  }

  private throwConfiguredCallError(action: string): void {
    const code = this.callErrors.get(action);
    if (code !== undefined) throw createRPCError(code, `Simulated ${code} for ${action}`) as Error;
  }

  private async answerDelay(signal: AbortSignal | undefined): Promise<void> {
    if (this.answerDelayMs > 0) await delay(this.answerDelayMs, undefined, { signal });
  }

  private requireVersion(version: OcppVersion, action: string): void {
    if (this.ocppVersion !== version) {
      throw new Error(`Charger ${this.identity}: ${action} is an OCPP ${version} message`);
    }
  }

  private checkConnector(connectorId: number, lowest: 0 | 1): void {
    if (!Number.isInteger(connectorId) || connectorId < lowest || connectorId > this.options.connectorCount) {
      throw new Error(`Charger ${this.identity} has no connector ${connectorId}`);
    }
  }
}

/** The phases the EV draws on at `at`: its last switch by then, else those it arrived with. */
export function evPhasesAt(ev: SimulatedEv, at: Date): [boolean, boolean, boolean] {
  const switched = (ev.phaseSwitches ?? []).filter((change) => change.at.getTime() <= at.getTime());
  return switched.at(-1)?.phases ?? ev.phases;
}

/** Currents as a noisy meter reads them, to 0.01 A; never below 0. For fleets that build their own readings too. */
export function noisyCurrents(
  currentA: [number, number, number],
  noise: CurrentNoise,
): [number, number, number] {
  const random = noise.random ?? Math.random;
  return currentA.map((amps) => {
    if (amps > 0 && random() < (noise.dropoutProbability ?? 0)) return Math.round(random() * 90) / 100;
    const read = amps > 0 ? amps + (2 * random() - 1) * noise.amplitudeA : random() * noise.amplitudeA;
    return Math.max(0, Math.round(read * 100) / 100);
  }) as [number, number, number];
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
  const offered =
    readings.offeredCurrentA === undefined
      ? []
      : [{ value: String(readings.offeredCurrentA), measurand: 'Current.Offered', unit: 'A' }];
  const soc =
    readings.socPercent === undefined
      ? []
      : [{ value: String(readings.socPercent), measurand: 'SoC', unit: 'Percent' }];
  return [...currents, ...power, ...energy, ...offered, ...soc];
}

interface VariableRequest {
  component: { name: string; evse?: { id: number } };
  variable: { name: string; instance?: string };
  attributeType?: string;
}

interface ReceivedSchedule {
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: unknown[];
}

/** The schedules of a 1.6 or 2.0.1 SetChargingProfile request. */
function schedulesOf(profile: ReceivedChargingProfile): ReceivedSchedule[] {
  const profile201 = (profile as unknown as { chargingProfile?: { chargingSchedule: ReceivedSchedule[] } })
    .chargingProfile;
  return profile201 ? profile201.chargingSchedule : [profile.csChargingProfiles.chargingSchedule];
}

/** 2.0.1 sampled values: numbers with a `unitOfMeasure`. */
function sampledValues201(
  readings: MeterReadings,
): { value: number; measurand: string; phase?: string; unitOfMeasure: { unit: string } }[] {
  return sampledValues(readings).map(({ value, unit, ...sample }) => ({
    ...sample,
    value: Number(value),
    unitOfMeasure: { unit },
  }));
}

function defaultTriggerReason(eventType: 'Started' | 'Updated' | 'Ended'): string {
  if (eventType === 'Started') return 'CablePluggedIn';
  return eventType === 'Ended' ? 'EVDeparted' : 'MeterValuePeriodic';
}

/** `emptyCompositeSchedule`: Accepted, and no schedule at all (both versions allow it). */
function emptyComposite(version: OcppVersion, connectorId: number): object {
  return version === '1.6' ? { status: 'Accepted', connectorId } : { status: 'Accepted' };
}

function isoNow(): string {
  return new Date().toISOString();
}
