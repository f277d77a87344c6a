import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ChargerEventsService } from '../charger-events/charger-events.service';
import { ClockLimits, clockLimits, currentEntries, eventTime, readingTime } from '../charger-clock';
import type { ChargerSession } from '../charger-session';
import { ChargerStateRepository } from '../charger-state.repository';
import { ChargerStateChangeReason, ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '../events';
import { EmptyResponse, HandlerTable, heartbeat, InboundContext } from '../handler-table';
import {
  ACCEPT_EVERY_ID_TOKEN,
  ConcurrencyScope,
  ID_TOKEN_AUTHORIZER,
  idTagInfo16,
  IdTokenAuthorizer,
} from '../id-token-authorizer';
import { TransactionsRepository } from '../transactions.repository';
import { DataTransferRequest, VendorDataTransferRegistry } from '../vendor-data-transfer.registry';
import type {
  AuthorizeRequest16,
  AuthorizeResponse16,
  BootNotificationRequest16,
  BootNotificationResponse16,
  IdTagInfo16,
  MeterValuesRequest16,
  SignCertificateResponse16,
  StartTransactionRequest16,
  StartTransactionResponse16,
  StatusNotificationRequest16,
  StopTransactionRequest16,
  StopTransactionResponse16,
} from './messages';
import { parseMeterValues16 } from './meter-values';

/**
 * Answers the CALLs an OCPP 1.6 charger sends and keeps its stored state up to date: every message of the
 * Core, Smart Charging, Firmware Management, Local Auth List and Remote Trigger profiles and of the security
 * whitepaper a charger may send. Actions outside `table` are answered `NotImplemented` by ocpp-rpc, and frames
 * that break the 1.6 schemas never get here.
 */
@Injectable()
export class Ocpp16HandlersService {
  private readonly logger = new Logger(Ocpp16HandlersService.name);
  private readonly clock: ClockLimits;

  /** Action → handler: adding a message is adding a line here and its function below. */
  readonly table: HandlerTable;

  constructor(
    private readonly chargerState: ChargerStateRepository,
    private readonly transactions: TransactionsRepository,
    private readonly events: EventEmitter2,
    private readonly chargerEvents: ChargerEventsService,
    private readonly dataTransfers: VendorDataTransferRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional()
    @Inject(ID_TOKEN_AUTHORIZER)
    private readonly authorizer: IdTokenAuthorizer = ACCEPT_EVERY_ID_TOKEN,
  ) {
    this.clock = clockLimits(config);
    const stored = (action: string) => this.chargerEvents.acknowledge(action);
    this.table = {
      Authorize: (request: AuthorizeRequest16, { session }) => this.authorize(session, request),
      BootNotification: (request: BootNotificationRequest16, { session }) =>
        this.bootNotification(session, request),
      DataTransfer: (request: DataTransferRequest, context) => this.dataTransfers.answer(request, context),
      DiagnosticsStatusNotification: stored('DiagnosticsStatusNotification'),
      FirmwareStatusNotification: stored('FirmwareStatusNotification'),
      Heartbeat: heartbeat,
      LogStatusNotification: stored('LogStatusNotification'),
      MeterValues: (request: MeterValuesRequest16, { session }) => this.meterValues(session, request),
      SecurityEventNotification: stored('SecurityEventNotification'),
      SignCertificate: (request: Record<string, unknown>, context) => this.signCertificate(request, context),
      SignedFirmwareStatusNotification: stored('SignedFirmwareStatusNotification'),
      StartTransaction: (request: StartTransactionRequest16, { session, upstreamAnswer }) =>
        this.startTransaction(session, request, upstreamAnswer as StartTransactionResponse16 | undefined),
      StatusNotification: (request: StatusNotificationRequest16, { session }) =>
        this.statusNotification(session, request),
      StopTransaction: (request: StopTransactionRequest16, { session }) =>
        this.stopTransaction(session, request),
    };
  }

  private async authorize(
    session: ChargerSession,
    request: AuthorizeRequest16,
  ): Promise<AuthorizeResponse16> {
    return { idTagInfo: await this.idTagInfo(session, request.idTag) };
  }

  private async bootNotification(
    session: ChargerSession,
    request: BootNotificationRequest16,
  ): Promise<BootNotificationResponse16> {
    await this.chargerState.recordBoot(session.chargerId, {
      vendor: request.chargePointVendor,
      model: request.chargePointModel,
      firmwareVersion: request.firmwareVersion ?? null,
    });
    this.stateChanged(session, 'boot');
    return {
      status: 'Accepted',
      currentTime: new Date().toISOString(),
      interval: this.config.OCPP_HEARTBEAT_INTERVAL_S,
    };
  }

  /** We run no certificate authority: the request is kept for the operator and refused. */
  private async signCertificate(
    request: Record<string, unknown>,
    context: InboundContext,
  ): Promise<SignCertificateResponse16> {
    await this.chargerEvents.record('SignCertificate', request, context);
    return { status: 'Rejected' };
  }

  private async statusNotification(
    session: ChargerSession,
    request: StatusNotificationRequest16,
  ): Promise<EmptyResponse> {
    // Connector 0 is the charge point itself; only the connectors carry state the planner uses.
    if (request.connectorId === 0) return {};
    const receivedAt = new Date();
    const at = request.timestamp
      ? eventTime(new Date(request.timestamp), receivedAt, this.clock)
      : receivedAt;
    const known = await this.chargerState.updateConnectorStatus(
      session.chargerId,
      request.connectorId,
      request.status,
      at,
    );
    if (!known) {
      this.logger.warn(
        `StatusNotification from ${session.identity} for unknown connector ${request.connectorId}`,
      );
      return {};
    }
    this.stateChanged(session, 'status');
    return {};
  }

  /** In proxy mode the charger holds the transactionId of the upstream's answer, when there was one. */
  private async startTransaction(
    session: ChargerSession,
    request: StartTransactionRequest16,
    upstreamAnswer?: StartTransactionResponse16,
  ): Promise<StartTransactionResponse16> {
    const connectorRef = await this.chargerState.findConnectorRef(session.chargerId, request.connectorId);
    if (!connectorRef) {
      this.logger.warn(
        `StartTransaction from ${session.identity} on unknown connector ${request.connectorId}`,
      );
      return { idTagInfo: { status: 'Invalid' }, transactionId: 0 };
    }
    const idTagInfo = await this.idTagInfo(session, request.idTag, { otherThanConnector: connectorRef });
    const stamp = new Date(request.timestamp);
    const startedAt = eventTime(stamp, new Date(), this.clock);
    const { transactionId, created } = await this.transactions.start({
      connectorRef,
      idTag: request.idTag,
      meterStartWh: request.meterStart,
      startedAt,
      stampTrusted: startedAt === stamp,
      upstreamTransactionId: upstreamAnswer?.transactionId,
    });
    if (created) this.stateChanged(session, 'transaction-started');
    return { idTagInfo, transactionId };
  }

  private async meterValues(session: ChargerSession, request: MeterValuesRequest16): Promise<EmptyResponse> {
    const receivedAt = new Date();
    const parsed = parseMeterValues16(currentEntries(request.meterValue, receivedAt, this.clock));
    const measuredAt = parsed && readingTime(parsed.measuredAt, receivedAt, this.clock);
    if (!parsed || !measuredAt) return {};
    const measurement = { ...parsed, measuredAt };
    const { known, phasesInUseChanged } = await this.chargerState.recordMeasurement(
      session.chargerId,
      request.connectorId,
      measurement,
    );
    if (!known) {
      this.logger.warn(`MeterValues from ${session.identity} for unknown connector ${request.connectorId}`);
    }
    if (phasesInUseChanged) this.stateChanged(session, 'phases-in-use');
    return {};
  }

  private async stopTransaction(
    session: ChargerSession,
    request: StopTransactionRequest16,
  ): Promise<StopTransactionResponse16> {
    const stopped = await this.transactions.stop(session.chargerId, request.transactionId, {
      meterStopWh: request.meterStop,
      stoppedAt: eventTime(new Date(request.timestamp), new Date(), this.clock),
      reason: request.reason ?? null,
    });
    if (stopped) {
      this.stateChanged(session, 'transaction-stopped');
    } else {
      // A repeated stop, or a transaction we never gave out: the charger must still be able to move on.
      this.logger.debug(
        `StopTransaction from ${session.identity} for no open transaction ${request.transactionId}`,
      );
    }
    if (request.idTag === undefined) return {};
    return { idTagInfo: await this.idTagInfo(session, request.idTag) };
  }

  /** `ConcurrentTx` is only relevant for a StartTransaction (1.6 §7.1), which passes `concurrency`. */
  private async idTagInfo(
    session: ChargerSession,
    idTag: string,
    concurrency?: ConcurrencyScope,
  ): Promise<IdTagInfo16> {
    const decision = await this.authorizer.decide(
      session.chargerId,
      { idToken: idTag },
      new Date(),
      concurrency,
    );
    return idTagInfo16(decision);
  }

  private stateChanged(session: ChargerSession, reason: ChargerStateChangeReason): void {
    this.events.emit(OCPP_CHARGER_STATE_CHANGED, new ChargerStateChangedEvent({ ...session, reason }));
  }
}
