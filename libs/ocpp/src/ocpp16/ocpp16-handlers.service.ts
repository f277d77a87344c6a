import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { ClockLimits, clockLimits, currentEntries, eventTime, readingTime } from '../charger-clock';
import type { ChargerSession } from '../charger-session';
import { ChargerStateRepository } from '../charger-state.repository';
import {
  ACCEPT_EVERY_ID_TOKEN,
  ID_TOKEN_AUTHORIZER,
  IdTagInfo16,
  idTagInfo16,
  IdTokenAuthorizer,
} from '../id-token-authorizer';
import { InboundMessagesService } from '../inbound-messages.service';
import { ChargerStateChangeReason, ChargerStateChangedEvent, OCPP_CHARGER_STATE_CHANGED } from '../events';
import { TransactionsRepository } from '../transactions.repository';
import type {
  BootNotificationRequest16,
  BootNotificationResponse16,
  HeartbeatResponse16,
  MeterValuesRequest16,
  StartTransactionRequest16,
  StartTransactionResponse16,
  StatusNotificationRequest16,
  StopTransactionRequest16,
} from './messages';
import { parseMeterValues16 } from './meter-values';

type EmptyResponse = Record<string, never>;

/**
 * Answers the CALLs an OCPP 1.6 charger sends and keeps its stored state up to date. Actions without a
 * handler are answered `NotImplemented` by ocpp-rpc, and frames that break the 1.6 schemas never get here.
 */
@Injectable()
export class Ocpp16HandlersService {
  private readonly logger = new Logger(Ocpp16HandlersService.name);
  private readonly clock: ClockLimits;

  constructor(
    private readonly chargerState: ChargerStateRepository,
    private readonly transactions: TransactionsRepository,
    private readonly events: EventEmitter2,
    private readonly inbound: InboundMessagesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional()
    @Inject(ID_TOKEN_AUTHORIZER)
    private readonly authorizer: IdTokenAuthorizer = ACCEPT_EVERY_ID_TOKEN,
  ) {
    this.clock = clockLimits(config);
  }

  /** Installs the handlers on a new connection, for the charger that authenticated on it. */
  register(client: RPCServerClient, session: ChargerSession): void {
    const handle = <Request>(action: string, handler: (request: Request) => Promise<object>) =>
      this.inbound.handle(client, session, action, handler);
    handle('BootNotification', (request: BootNotificationRequest16) =>
      this.bootNotification(session, request),
    );
    handle('Heartbeat', () => this.heartbeat());
    handle('Authorize', async ({ idTag }: { idTag: string }) => ({
      idTagInfo: await this.idTagInfo(session, idTag),
    }));
    handle('StatusNotification', (request: StatusNotificationRequest16) =>
      this.statusNotification(session, request),
    );
    handle('StartTransaction', (request: StartTransactionRequest16) =>
      this.startTransaction(session, request),
    );
    handle('MeterValues', (request: MeterValuesRequest16) => this.meterValues(session, request));
    handle('StopTransaction', (request: StopTransactionRequest16) => this.stopTransaction(session, request));
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

  private heartbeat(): Promise<HeartbeatResponse16> {
    return Promise.resolve({ currentTime: new Date().toISOString() });
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

  private async startTransaction(
    session: ChargerSession,
    request: StartTransactionRequest16,
  ): Promise<StartTransactionResponse16> {
    const connectorRef = await this.chargerState.findConnectorRef(session.chargerId, request.connectorId);
    if (!connectorRef) {
      this.logger.warn(
        `StartTransaction from ${session.identity} on unknown connector ${request.connectorId}`,
      );
      return { idTagInfo: { status: 'Invalid' }, transactionId: 0 };
    }
    const stamp = new Date(request.timestamp);
    const startedAt = eventTime(stamp, new Date(), this.clock);
    const { transactionId, created } = await this.transactions.start({
      connectorRef,
      idTag: request.idTag,
      meterStartWh: request.meterStart,
      startedAt,
      stampTrusted: startedAt === stamp,
    });
    if (created) this.stateChanged(session, 'transaction-started');
    return { idTagInfo: await this.idTagInfo(session, request.idTag), transactionId };
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
  ): Promise<{ idTagInfo?: IdTagInfo16 }> {
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
    return request.idTag === undefined ? {} : { idTagInfo: await this.idTagInfo(session, request.idTag) };
  }

  private async idTagInfo(session: ChargerSession, idTag: string): Promise<IdTagInfo16> {
    return idTagInfo16(await this.authorizer.decide(session.chargerId, { idToken: idTag }, new Date()));
  }

  private stateChanged(session: ChargerSession, reason: ChargerStateChangeReason): void {
    this.events.emit(OCPP_CHARGER_STATE_CHANGED, new ChargerStateChangedEvent({ ...session, reason }));
  }
}
