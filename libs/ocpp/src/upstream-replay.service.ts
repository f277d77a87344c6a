import { Inject, Injectable, Logger } from '@nestjs/common';
import { RPCError } from 'ocpp-rpc';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { KeyedSerialQueue } from '@gridflex/common';
import type { ChargerSession } from './charger-session';
import { ChargerStateRepository } from './charger-state.repository';
import type { UpstreamLink } from './upstream-link';
import { isAcceptedBoot } from './upstream-messages';
import { OutboxMessage, UpstreamOutboxRepository } from './upstream-outbox.repository';
import { UpstreamTransactionIdsService } from './upstream-transaction-ids.service';

/**
 * Sends what waits in a charger's outbox to its upstream, oldest first, one at a time, while the connection
 * stays open; once the outbox is found empty, the connection goes live (`UpstreamLink.settle`).
 */
@Injectable()
export class UpstreamReplayService {
  private readonly logger = new Logger(UpstreamReplayService.name);
  /**
   * Replays of one charger run one at a time, also across its connections: a new connection's replay starts
   * once the old one's has stopped (it stops when its connection closes).
   */
  private readonly replays = new KeyedSerialQueue();
  private readonly pauseMs: number;

  constructor(
    private readonly outbox: UpstreamOutboxRepository,
    private readonly transactionIds: UpstreamTransactionIdsService,
    private readonly chargerState: ChargerStateRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pauseMs = config.OCPP_UPSTREAM_RETRY_MIN_MS;
  }

  /**
   * `resync` when the connection has just opened: the upstream is first shown the charger's Boot it missed and
   * the connectors' current status (`resync`), then the outbox.
   */
  replay(link: UpstreamLink, session: ChargerSession, { resync = false } = {}): void {
    this.replays
      .run(session.chargerId, () => this.drain(link, session, resync))
      .catch((error: unknown) => {
        this.logger.warn(`Replaying the queued messages of ${session.identity} failed: ${String(error)}`);
        this.replayLater(link, session, resync);
      });
  }

  private async drain(link: UpstreamLink, session: ChargerSession, resync: boolean): Promise<void> {
    if (resync && !(await this.resync(link, session))) return;
    while (link.isOpen) {
      const mark = link.appendMark();
      const message = await this.outbox.oldest(session.chargerId);
      if (!message) {
        if (link.settle(mark)) return;
        await link.appendsSettled();
        continue;
      }
      if (!(await this.replayOne(link, session, message))) {
        this.replayLater(link, session);
        return;
      }
    }
  }

  /** A connection that stays open after a failed replay (a timeout) gets another replay after a pause. */
  private replayLater(
    link: UpstreamLink,
    session: ChargerSession,
    resync = false,
    delayMs = this.pauseMs,
  ): void {
    setTimeout(() => {
      if (link.isOpen) this.replay(link, session, { resync });
    }, delayMs).unref();
  }

  /**
   * A strict central system refuses messages from a station whose Boot it has not accepted (2.0.1 B02), so an
   * upstream that missed the charger's Boot (answered locally because it was down) is shown the stored one
   * first. Its answer cannot reach the charger, which has one already: not Accepted (Pending, Rejected, a
   * CALLERROR), the outbox is kept and the Boot presented again after the interval it gave. Then, when a Boot was
   * presented or the connection is a reconnection (statuses may have changed meanwhile), each connector's
   * current status; an upstream refusing one is logged and the next is sent.
   * @returns false when the outbox must wait
   */
  private async resync(link: UpstreamLink, session: ChargerSession): Promise<boolean> {
    const state = await this.chargerState.upstreamResyncState(session.chargerId);
    const bootShown = state.missedBoot !== null;
    if (state.missedBoot && !(await this.presentBoot(link, session, state.missedBoot))) return false;
    if (!bootShown && !link.reopened) return true;
    for (const { connectorId, status } of state.statuses) {
      if (!(await this.sendStatus(link, session, connectorId, status))) {
        this.replayLater(link, session, true);
        return false;
      }
    }
    return true;
  }

  private async presentBoot(
    link: UpstreamLink,
    session: ChargerSession,
    payload: Record<string, unknown>,
  ): Promise<boolean> {
    let answer: { status?: string; interval?: number } | undefined;
    try {
      answer = (await link.client.call('BootNotification', payload)) as typeof answer;
    } catch (error) {
      if (!(error instanceof RPCError)) {
        this.logger.warn(`Presenting the Boot of ${session.identity} upstream failed: ${String(error)}`);
        this.replayLater(link, session, true);
        return false;
      }
      this.logger.warn(`The upstream of ${session.identity} refused its Boot (${error.rpcErrorCode})`);
    }
    if (isAcceptedBoot(answer)) {
      this.logger.log(`The upstream of ${session.identity} accepted its Boot, presented again`);
      link.accept();
      await this.chargerState.markUpstreamBootAccepted(session.chargerId);
      return true;
    }
    const retryMs = Math.max(this.pauseMs, (answer?.interval ?? 0) * 1000);
    this.logger.warn(
      `The upstream of ${session.identity} answered its Boot ${answer?.status ?? 'with an error'}: the charger is answered locally and its messages kept, the Boot presented again in ${retryMs} ms`,
    );
    link.refuse();
    this.replayLater(link, session, true, retryMs);
    return false;
  }

  /** @returns false when the connection failed under the call or it timed out */
  private async sendStatus(
    link: UpstreamLink,
    session: ChargerSession,
    connectorId: number,
    status: string,
  ): Promise<boolean> {
    try {
      await link.client.call('StatusNotification', statusNotification(session, connectorId, status));
    } catch (error) {
      if (!(error instanceof RPCError)) return false;
      this.logger.warn(
        `The upstream of ${session.identity} refused the status of connector ${connectorId} (${error.rpcErrorCode})`,
      );
    }
    return true;
  }

  /**
   * One queued message, removed once the upstream answered it. A CALLERROR is the upstream's final word on it:
   * logged and dropped, and the replay goes on (retrying it would block everything behind it). A failed
   * connection or a timeout keeps it for the next attempt.
   * @returns false when the replay must stop
   */
  private async replayOne(
    link: UpstreamLink,
    session: ChargerSession,
    message: OutboxMessage,
  ): Promise<boolean> {
    if (!link.isOpen) return false;
    const params = await this.transactionIds.replayed(message);
    try {
      const answer = (await link.client.call(message.action, params)) as object;
      await this.transactionIds.recordReplayAnswer(session, message, answer);
    } catch (error) {
      if (!(error instanceof RPCError)) {
        this.logger.warn(`Replaying ${message.action} of ${session.identity} failed: ${String(error)}`);
        return false;
      }
      this.logger.warn(
        `The upstream of ${session.identity} refused the replayed ${message.action} (${error.rpcErrorCode}: ${error.message}): dropped`,
      );
    }
    await this.outbox.remove(message.seq);
    return true;
  }
}

/**
 * A connector's (1.6) or EVSE's (2.0.1, its first connector) current status as the charger would report it: the
 * status stored from its last StatusNotification, without the error it may have carried then.
 */
function statusNotification(session: ChargerSession, connectorId: number, status: string): object {
  const timestamp = new Date().toISOString();
  if (session.protocol === 'ocpp1.6') return { connectorId, status, errorCode: 'NoError', timestamp };
  return { timestamp, connectorStatus: status, evseId: connectorId, connectorId: 1 };
}
