import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ChargerEventsService } from '../charger-events/charger-events.service';
import { ClockLimits, clockLimits, currentEntries, eventTime, readingTime } from '../charger-clock';
import type { ChargerSession } from '../charger-session';
import { ChargerStateRepository } from '../charger-state.repository';
import { ChargingLimitsRepository } from '../charging-limits.repository';
import type { ConnectorMeasurement } from '../measurement';
import { ChargerStateChangeReason, ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '../events';
import {
  EV_CHARGING_NEEDS_SINK,
  evChargingNeeds201,
  EvChargingNeedsSink,
  NO_EV_CHARGING_NEEDS_SINK,
  NotifyEVChargingNeedsRequest201,
} from '../ev-charging-needs';
import { evScheduleExcess, NotifyEVChargingScheduleRequest201 } from '../ev-charging-schedule';
import { EmptyResponse, HandlerTable, heartbeat, InboundContext } from '../handler-table';
import {
  ACCEPT_EVERY_ID_TOKEN,
  ConcurrencyScope,
  ID_TOKEN_AUTHORIZER,
  idTokenInfo201,
  IdTokenAuthorizer,
} from '../id-token-authorizer';
import { TransactionsRepository } from '../transactions.repository';
import { DataTransferRequest, VendorDataTransferRegistry } from '../vendor-data-transfer.registry';
import type {
  AuthorizeRequest201,
  AuthorizeResponse201,
  BootNotificationRequest201,
  BootNotificationResponse201,
  ClearedChargingLimitRequest201,
  Get15118EVCertificateResponse201,
  GetCertificateStatusResponse201,
  IdToken201,
  IdTokenInfo201,
  MeterValuesRequest201,
  NotifyChargingLimitRequest201,
  NotifyEVChargingNeedsResponse201,
  NotifyEVChargingScheduleResponse201,
  SignCertificateResponse201,
  StatusInfo201,
  StatusNotificationRequest201,
  TransactionEventRequest201,
  TransactionEventResponse201,
} from './messages';
import { parseMeterValues201 } from './meter-values';

type Payload = Record<string, unknown>;

/** The charger event that keeps an EV charging schedule we rejected, and where it exceeded our limit. */
export const EV_CHARGING_SCHEDULE_REJECTED = 'EVChargingScheduleRejected';

/** Our answer to the certificate services of block A and of ISO 15118 (M): we run no PKI. */
const NO_PKI: StatusInfo201 = {
  reasonCode: 'NoPKI',
  additionalInfo: 'gridflex runs no certificate authority and no OCSP or contract certificate service',
};

/**
 * Answers the CALLs an OCPP 2.0.1 charging station sends and keeps its stored state up to date: every
 * message a station may send under blocks A, B, C, E, F, G, H, J, K, L, M, N, O and P. Each EVSE is one of our
 * connectors (its `connectorId` is the EVSE id). Actions outside `table` are answered `NotImplemented` by
 * ocpp-rpc, and frames that break the 2.0.1 schemas never get here.
 */
@Injectable()
export class Ocpp201HandlersService {
  private readonly logger = new Logger(Ocpp201HandlersService.name);
  private readonly clock: ClockLimits;

  /** Action → handler: adding a message is adding a line here and its function below. */
  readonly table: HandlerTable;

  constructor(
    private readonly chargerState: ChargerStateRepository,
    private readonly transactions: TransactionsRepository,
    private readonly chargingLimits: ChargingLimitsRepository,
    private readonly events: EventEmitter2,
    private readonly chargerEvents: ChargerEventsService,
    private readonly dataTransfers: VendorDataTransferRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional()
    @Inject(ID_TOKEN_AUTHORIZER)
    private readonly authorizer: IdTokenAuthorizer = ACCEPT_EVERY_ID_TOKEN,
    @Optional()
    @Inject(EV_CHARGING_NEEDS_SINK)
    private readonly evNeeds: EvChargingNeedsSink = NO_EV_CHARGING_NEEDS_SINK,
  ) {
    this.clock = clockLimits(config);
    const stored = (action: string) => this.chargerEvents.acknowledge(action);
    this.table = {
      Authorize: (request: AuthorizeRequest201, { session }) => this.authorize(session, request),
      BootNotification: (request: BootNotificationRequest201, { session }) =>
        this.bootNotification(session, request),
      ClearedChargingLimit: (request: ClearedChargingLimitRequest201, { session }) =>
        this.clearedChargingLimit(session, request),
      DataTransfer: (request: DataTransferRequest, context) => this.dataTransfers.answer(request, context),
      FirmwareStatusNotification: stored('FirmwareStatusNotification'),
      Get15118EVCertificate: (request: Payload, context) => this.get15118EVCertificate(request, context),
      GetCertificateStatus: (request: Payload, context) => this.getCertificateStatus(request, context),
      Heartbeat: heartbeat,
      LogStatusNotification: stored('LogStatusNotification'),
      MeterValues: (request: MeterValuesRequest201, { session }) => this.meterValues(session, request),
      NotifyChargingLimit: (request: NotifyChargingLimitRequest201, { session }) =>
        this.notifyChargingLimit(session, request),
      NotifyCustomerInformation: stored('NotifyCustomerInformation'),
      NotifyDisplayMessages: stored('NotifyDisplayMessages'),
      NotifyEVChargingNeeds: (request: NotifyEVChargingNeedsRequest201, context) =>
        this.notifyEVChargingNeeds(request, context),
      NotifyEVChargingSchedule: (request: NotifyEVChargingScheduleRequest201, context) =>
        this.notifyEVChargingSchedule(request, context),
      NotifyEvent: stored('NotifyEvent'),
      NotifyMonitoringReport: stored('NotifyMonitoringReport'),
      NotifyReport: stored('NotifyReport'),
      PublishFirmwareStatusNotification: stored('PublishFirmwareStatusNotification'),
      ReportChargingProfiles: stored('ReportChargingProfiles'),
      ReservationStatusUpdate: stored('ReservationStatusUpdate'),
      SecurityEventNotification: stored('SecurityEventNotification'),
      SignCertificate: (request: Payload, context) => this.signCertificate(request, context),
      StatusNotification: (request: StatusNotificationRequest201, { session }) =>
        this.statusNotification(session, request),
      TransactionEvent: (request: TransactionEventRequest201, { session }) =>
        this.transactionEvent(session, request),
    };
  }

  private async authorize(
    session: ChargerSession,
    request: AuthorizeRequest201,
  ): Promise<AuthorizeResponse201> {
    const concurrency = { otherThanCharger: session.chargerId };
    return { idTokenInfo: await this.idTokenInfo(session, request.idToken, concurrency) };
  }

  /**
   * K15–K17: the EV's needs (ISO 15118) become its session's wish and limits in planning, which says whether a
   * schedule follows; they are also kept as a charger event for the operator.
   */
  private async notifyEVChargingNeeds(
    request: NotifyEVChargingNeedsRequest201,
    context: InboundContext,
  ): Promise<NotifyEVChargingNeedsResponse201> {
    await this.chargerEvents.record('NotifyEVChargingNeeds', { ...request }, context);
    // EVSE 0 is the station itself: no EV is plugged into it.
    if (request.evseId === 0) return { status: 'Rejected' };
    const needs = evChargingNeeds201(context.session, request, context.receivedAt);
    if (needs.socPercent !== undefined) {
      await this.chargerState.recordSoc(needs.chargerId, needs.connectorId, needs.socPercent);
    }
    return { status: await this.evNeeds.take(needs) };
  }

  /**
   * K17: the schedule the EV chose is kept for the operator and checked against the plan our TxProfile for the
   * EVSE follows. One above it is `Rejected` (the station then renegotiates within the profile it holds, which
   * still bounds the EV either way) and kept as an `EVChargingScheduleRejected` event saying where.
   */
  private async notifyEVChargingSchedule(
    request: NotifyEVChargingScheduleRequest201,
    context: InboundContext,
  ): Promise<NotifyEVChargingScheduleResponse201> {
    await this.chargerEvents.record('NotifyEVChargingSchedule', { ...request }, context);
    const limits = await this.chargingLimits.evseLimits(context.session.chargerId, request.evseId);
    const excess = limits && evScheduleExcess(request, limits);
    if (!excess) return { status: 'Accepted' };
    const detail =
      `EV asks ${excess.evLimit} ${excess.unit} at ${excess.at}, ` +
      `above our limit of ${excess.ourLimit} ${excess.unit}`;
    this.logger.warn(`${context.session.identity} EVSE ${request.evseId}: ${detail}`);
    await this.chargerEvents.record(
      EV_CHARGING_SCHEDULE_REJECTED,
      { evseId: request.evseId, ...excess },
      context,
    );
    return { status: 'Rejected', statusInfo: { reasonCode: 'AboveLimit', additionalInfo: detail } };
  }

  /** A01/A02: the station's certificate signing request is kept for the operator and refused. */
  private async signCertificate(
    request: Payload,
    context: InboundContext,
  ): Promise<SignCertificateResponse201> {
    await this.chargerEvents.record('SignCertificate', request, context);
    return { status: 'Rejected', statusInfo: NO_PKI };
  }

  /** M02: the EV's contract certificate request is kept for the operator and fails. */
  private async get15118EVCertificate(
    request: Payload,
    context: InboundContext,
  ): Promise<Get15118EVCertificateResponse201> {
    await this.chargerEvents.record('Get15118EVCertificate', request, context);
    return { status: 'Failed', statusInfo: NO_PKI, exiResponse: '' };
  }

  /** M06: we hold no OCSP responder's answer to relay. */
  private async getCertificateStatus(
    request: Payload,
    context: InboundContext,
  ): Promise<GetCertificateStatusResponse201> {
    await this.chargerEvents.record('GetCertificateStatus', request, context);
    return { status: 'Failed', statusInfo: NO_PKI };
  }

  private async bootNotification(
    session: ChargerSession,
    request: BootNotificationRequest201,
  ): Promise<BootNotificationResponse201> {
    const station = request.chargingStation;
    await this.chargerState.recordBoot(session.chargerId, {
      vendor: station.vendorName,
      model: station.model,
      firmwareVersion: station.firmwareVersion ?? null,
    });
    this.stateChanged(session, 'boot');
    return {
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: this.config.OCPP_HEARTBEAT_INTERVAL_S,
    };
  }

  private async statusNotification(
    session: ChargerSession,
    request: StatusNotificationRequest201,
  ): Promise<EmptyResponse> {
    // EVSE 0 is the station itself; only the EVSEs carry state the planner uses.
    if (request.evseId === 0) return {};
    const known = await this.chargerState.updateConnectorStatus(
      session.chargerId,
      request.evseId,
      request.connectorStatus,
      eventTime(new Date(request.timestamp), new Date(), this.clock),
    );
    if (!known) {
      this.logger.warn(`StatusNotification from ${session.identity} for unknown EVSE ${request.evseId}`);
      return {};
    }
    this.stateChanged(session, 'status');
    return {};
  }

  private async meterValues(session: ChargerSession, request: MeterValuesRequest201): Promise<EmptyResponse> {
    // EVSE 0 is the station's main meter, not a connector's draw.
    if (request.evseId === 0) return {};
    const receivedAt = new Date();
    const entries = currentEntries(request.meterValue, receivedAt, this.clock);
    const measurement = this.current(parseMeterValues201(entries), receivedAt);
    if (!measurement) return {};
    const known = await this.recordMeasurement(session, request.evseId, measurement);
    if (!known) this.logger.warn(`MeterValues from ${session.identity} for unknown EVSE ${request.evseId}`);
    return {};
  }

  /**
   * The reading as the connector's current one, taken at the time we received it when stamped in the future;
   * null when there is none, or when it is stale (see `readingTime`).
   */
  private current(measurement: ConnectorMeasurement | null, receivedAt: Date): ConnectorMeasurement | null {
    if (!measurement) return null;
    const measuredAt = readingTime(measurement.measuredAt, receivedAt, this.clock);
    return measuredAt ? { ...measurement, measuredAt } : null;
  }

  /** False when the EVSE is not registered. A change of the phases in use re-plans. */
  private async recordMeasurement(
    session: ChargerSession,
    evseId: number,
    measurement: ConnectorMeasurement,
  ): Promise<boolean> {
    const outcome = await this.chargerState.recordMeasurement(session.chargerId, evseId, measurement);
    if (outcome.phasesInUseChanged) this.stateChanged(session, 'phases-in-use');
    return outcome.known;
  }

  /**
   * Started, Updated and Ended all create the transaction when we do not know it yet, since a lost or late
   * Started must not leave a charging EV unplanned; `seqNo` gaps are therefore harmless. Readings of an event
   * the station queued while offline are older than what we hold and change nothing.
   */
  private async transactionEvent(
    session: ChargerSession,
    request: TransactionEventRequest201,
  ): Promise<TransactionEventResponse201> {
    const stationTransactionId = request.transactionInfo.transactionId;
    const connector = await this.transactionConnector(session, request);
    const answer = await this.transactionAnswer(session, request, connector?.connectorRef ?? null);
    if (!connector) {
      this.logger.warn(
        `TransactionEvent from ${session.identity} for transaction ${stationTransactionId} on no known EVSE`,
      );
      return answer;
    }
    const receivedAt = new Date();
    const at = eventTime(new Date(request.timestamp), receivedAt, this.clock);
    // The meter start and stop are what the event reports, whenever it was stamped.
    const measurement = transactionMeasurement(request, new Date(request.timestamp));
    const { created } = await this.transactions.startStation({
      connectorRef: connector.connectorRef,
      stationTransactionId,
      idTag: request.idToken?.idToken ?? '',
      meterStartWh: measurement?.energyWh ?? 0,
      startedAt: at,
    });
    if (created) this.stateChanged(session, 'transaction-started');
    const current = this.current(measurement, receivedAt);
    if (current) await this.recordMeasurement(session, connector.connectorId, current);
    if (request.eventType === 'Ended') {
      const stopped = await this.transactions.stopStation(session.chargerId, stationTransactionId, {
        meterStopWh: measurement?.energyWh ?? 0,
        stoppedAt: at,
        reason: request.transactionInfo.stoppedReason ?? null,
      });
      if (stopped) this.stateChanged(session, 'transaction-stopped');
    }
    return answer;
  }

  /**
   * The token's info when the event carries one; a token presented to end the transaction is not starting
   * one, so only the other events ask whether it is already charging elsewhere.
   */
  private async transactionAnswer(
    session: ChargerSession,
    request: TransactionEventRequest201,
    connectorRef: string | null,
  ): Promise<TransactionEventResponse201> {
    if (!request.idToken) return {};
    const concurrency: ConcurrencyScope | undefined =
      request.eventType === 'Ended'
        ? undefined
        : connectorRef === null
          ? { otherThanCharger: session.chargerId }
          : { otherThanConnector: connectorRef };
    return { idTokenInfo: await this.idTokenInfo(session, request.idToken, concurrency) };
  }

  /** The EVSE the event names, else the one where we recorded the transaction. */
  private async transactionConnector(
    session: ChargerSession,
    request: TransactionEventRequest201,
  ): Promise<{ connectorRef: string; connectorId: number } | null> {
    if (request.evse) {
      const connectorRef = await this.chargerState.findConnectorRef(session.chargerId, request.evse.id);
      return connectorRef === null ? null : { connectorRef, connectorId: request.evse.id };
    }
    return this.transactions.findStationTransactionConnector(
      session.chargerId,
      request.transactionInfo.transactionId,
    );
  }

  /**
   * An external limit (EMS, grid operator, …) now bounds the station or one EVSE: stored as reported, the
   * planner keeps the EVSE's plan within it. A limit without its schedule tells no value and bounds nothing.
   */
  private async notifyChargingLimit(
    session: ChargerSession,
    request: NotifyChargingLimitRequest201,
  ): Promise<EmptyResponse> {
    const { chargingLimitSource, isGridCritical } = request.chargingLimit;
    const evseId = request.evseId ?? 0;
    this.logger.log(
      `${session.identity} reports a ${chargingLimitSource} charging limit on EVSE ${evseId}` +
        (isGridCritical ? ' (grid critical)' : '') +
        (request.chargingSchedule ? '' : ' without its schedule'),
    );
    const recorded = await this.chargingLimits.record({
      chargerId: session.chargerId,
      evseId,
      source: chargingLimitSource,
      isGridCritical: isGridCritical ?? null,
      schedules: request.chargingSchedule?.map(({ id: _id, ...schedule }) => schedule) ?? null,
      reportedAt: new Date(),
    });
    if (recorded) this.stateChanged(session, 'charging-limit');
    return {};
  }

  /** A `ClearedChargingLimit` without EVSE clears the station-wide limit of that source (EVSE 0). */
  private async clearedChargingLimit(
    session: ChargerSession,
    request: ClearedChargingLimitRequest201,
  ): Promise<EmptyResponse> {
    const evseId = request.evseId ?? 0;
    this.logger.log(
      `${session.identity} cleared its ${request.chargingLimitSource} charging limit on EVSE ${evseId}`,
    );
    const cleared = await this.chargingLimits.clear(session.chargerId, evseId, request.chargingLimitSource);
    if (cleared) this.stateChanged(session, 'charging-limit');
    return {};
  }

  private async idTokenInfo(
    session: ChargerSession,
    idToken: IdToken201,
    concurrency?: ConcurrencyScope,
  ): Promise<IdTokenInfo201> {
    return idTokenInfo201(await this.authorizer.decide(session.chargerId, idToken, new Date(), concurrency));
  }

  private stateChanged(session: ChargerSession, reason: ChargerStateChangeReason): void {
    this.events.emit(OCPP_CHARGER_STATE_CHANGED, new ChargerStateChangedEvent({ ...session, reason }));
  }
}

/**
 * The readings of a TransactionEvent, with the phases the station says the EV uses when its currents do not
 * tell them; null when it carries neither.
 */
function transactionMeasurement(request: TransactionEventRequest201, at: Date): ConnectorMeasurement | null {
  const measurement = request.meterValue ? parseMeterValues201(request.meterValue) : null;
  const count = request.numberOfPhasesUsed;
  if (count === undefined || count < 1 || count > 3 || measurement?.phasesInUse) return measurement;
  const phasesInUse = { count: count as 1 | 2 | 3, mask: null };
  return measurement
    ? { ...measurement, phasesInUse }
    : {
        measuredAt: at,
        currentA: null,
        powerW: null,
        energyWh: null,
        socPercent: null,
        offeredCurrentA: null,
        phasesInUse,
      };
}
