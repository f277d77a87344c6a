import { Inject, Injectable, Logger } from '@nestjs/common';
import { RPCError } from 'ocpp-rpc';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { KeyedSerialQueue } from '@gridflex/common';
import type { ChargerSession } from './charger-session';
import type { UpstreamLink } from './upstream-link';
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
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.pauseMs = config.OCPP_UPSTREAM_RETRY_MIN_MS;
  }

  replay(link: UpstreamLink, session: ChargerSession): void {
    this.replays
      .run(session.chargerId, () => this.drain(link, session))
      .catch((error: unknown) => {
        this.logger.warn(`Replaying the queued messages of ${session.identity} failed: ${String(error)}`);
        this.replayLater(link, session);
      });
  }

  private async drain(link: UpstreamLink, session: ChargerSession): Promise<void> {
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
  private replayLater(link: UpstreamLink, session: ChargerSession): void {
    setTimeout(() => {
      if (link.isOpen) this.replay(link, session);
    }, this.pauseMs).unref();
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
