import { Injectable, Logger } from '@nestjs/common';
import type { ChargerSession } from './charger-session';
import { TransactionIdMapRepository } from './transaction-id-map.repository';
import { isStart16, transactionIdIn, withTransactionId } from './upstream-messages';
import type { OutboxMessage } from './upstream-outbox.repository';

/**
 * OCPP 1.6 proxy mode: a charger that got our transactionId while its upstream was unreachable, and the
 * upstream, know the transaction by different ids. Messages crossing gridflex are rewritten to the id their
 * receiver knows; an id unknown on the other side passes unchanged. OCPP 2.0.1 needs none of this: its
 * station generates the transactionId, which both central systems use as it is.
 */
@Injectable()
export class UpstreamTransactionIdsService {
  private readonly logger = new Logger(UpstreamTransactionIdsService.name);

  constructor(private readonly transactionIds: TransactionIdMapRepository) {}

  /** A charger's message, forwarded live, names the transaction by the upstream's id. */
  async toUpstream(session: ChargerSession, action: string, params: unknown): Promise<unknown> {
    if (session.protocol !== 'ocpp1.6') return params;
    const chargerId = transactionIdIn('charger-message', action, params);
    if (chargerId === undefined) return params;
    const mapped = await this.transactionIds.byChargerId(session.chargerId, chargerId);
    const upstreamId = mapped?.upstreamTransactionId ?? null;
    return upstreamId === null ? params : withTransactionId('charger-message', action, params, upstreamId);
  }

  /** An upstream's call names the transaction by the id the charger holds. */
  async toCharger(session: ChargerSession, action: string, params: object): Promise<object> {
    if (session.protocol !== 'ocpp1.6') return params;
    const upstreamId = transactionIdIn('upstream-call', action, params);
    if (upstreamId === undefined) return params;
    const chargerId = await this.transactionIds.chargerIdOf(session.chargerId, upstreamId);
    return chargerId === null ? params : withTransactionId('upstream-call', action, params, chargerId);
  }

  /**
   * The local transaction a message being queued names (`transactions.id`): for a start the one its local
   * answer created, else the one of the id it carries; null for 2.0.1 and messages naming none.
   */
  async refOf(
    session: ChargerSession,
    action: string,
    params: unknown,
    answer: object,
  ): Promise<number | null> {
    if (session.protocol !== 'ocpp1.6') return null;
    const chargerId = isStart16(session.protocol, action)
      ? (answer as { transactionId?: number }).transactionId
      : transactionIdIn('charger-message', action, params);
    if (chargerId === undefined) return null;
    return (await this.transactionIds.byChargerId(session.chargerId, chargerId))?.ref ?? null;
  }

  /** A queued message names the transaction by the upstream's id, known once its start was replayed. */
  async replayed(message: OutboxMessage): Promise<Record<string, unknown>> {
    if (message.transactionRef === null || message.action === 'StartTransaction') return message.params;
    const upstreamId = await this.transactionIds.upstreamIdOf(message.transactionRef);
    if (upstreamId === null) return message.params;
    return withTransactionId('charger-message', message.action, message.params, upstreamId);
  }

  /** The upstream's id for a replayed 1.6 start, from its answer. */
  async recordReplayAnswer(session: ChargerSession, message: OutboxMessage, answer: object): Promise<void> {
    if (!isStart16(session.protocol, message.action) || message.transactionRef === null) return;
    const { transactionId } = answer as { transactionId?: number };
    if (transactionId === undefined) return;
    if (!(await this.transactionIds.recordUpstreamId(message.transactionRef, transactionId))) {
      this.logger.warn(`The upstream of ${session.identity} gave transactionId ${transactionId}: not kept`);
    }
  }
}
