import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Job, UnrecoverableError } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { DsoPeersRepository } from './dso-peers.repository';
import { MessageDeliveredEvent, OSCP_MESSAGE_DELIVERED } from './events';
import { OscpOutboundRepository, OutboundMessageRecord } from './oscp-outbound.repository';
import { DeliverMessageJob, OSCP_OUTBOUND_QUEUE } from './oscp-queues.constants';
import { OscpTokenCipher } from './token-cipher';

/** Network trouble and these answers may pass; any other 4xx will not change on a retry. */
const RETRYABLE_STATUSES = new Set([408, 429]);

interface Delivery {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Delivers one stored message per job and records each attempt. */
@Processor(OSCP_OUTBOUND_QUEUE)
export class OscpOutboundProcessor extends WorkerHost {
  private readonly logger = new Logger(OscpOutboundProcessor.name);

  constructor(
    private readonly outbox: OscpOutboundRepository,
    private readonly peers: DsoPeersRepository,
    private readonly cipher: OscpTokenCipher,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  async process(job: Job<DeliverMessageJob>): Promise<string> {
    const message = await this.outbox.find(job.data.messageId);
    if (!message || message.status !== 'queued') return 'not-queued';
    const attempt = job.attemptsMade + 1;
    const isLast = attempt >= (job.opts.attempts ?? 1);
    const delivery = await this.prepare(message);
    if (typeof delivery === 'string') {
      await this.undeliverable(message, attempt, delivery);
      throw new UnrecoverableError(delivery);
    }
    const { status, error } = await this.post(delivery);
    await this.outbox.recordAttempt(message.id, {
      attempt,
      url: delivery.url,
      httpStatus: status,
      error,
      at: new Date(),
    });
    if (status !== null && status >= 200 && status < 300) return this.delivered(message);
    const retryable = status === null || status >= 500 || RETRYABLE_STATUSES.has(status);
    const reason = `${message.message} to peer ${message.peerId}: ${error ?? `HTTP ${status}`}`;
    if (!retryable || isLast) {
      await this.outbox.setStatus(message.id, 'failed', new Date());
      this.logger.warn(`Gave up sending ${reason}`);
      throw new UnrecoverableError(reason);
    }
    throw new Error(reason);
  }

  /** The request to make, or why it cannot be made. */
  private async prepare(message: OutboundMessageRecord): Promise<Delivery | string> {
    const peer = await this.peers.findById(message.peerId);
    const { baseUrl, tokenSealed } = await this.peers.outboundCredentials(message.peerId);
    if (!peer || !baseUrl || !tokenSealed) {
      return `No base URL or token is known for peer ${message.peerId}: register with it first`;
    }
    const path = peer.options.paths?.[message.message] ?? message.message;
    const headers: Record<string, string> = {
      ...peer.options.headers,
      'Content-Type': 'application/json',
      Authorization: `Token ${this.cipher.open(tokenSealed)}`,
      'X-Request-ID': message.requestId,
    };
    if (message.correlationId) headers['X-Correlation-ID'] = message.correlationId;
    return { url: `${baseUrl}/${path}`, headers, body: JSON.stringify(this.unsealed(message)) };
  }

  /** A Register carries our fresh token, kept sealed at rest until this moment. */
  private unsealed(message: OutboundMessageRecord): unknown {
    if (message.message !== 'register') return message.body;
    const body = message.body as { token: string };
    return { ...body, token: this.cipher.open(body.token) };
  }

  private async post(delivery: Delivery): Promise<{ status: number | null; error: string | null }> {
    try {
      const response = await fetch(delivery.url, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
        signal: AbortSignal.timeout(this.config.OSCP_REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      return { status: response.status, error: response.ok ? null : describeRefusal(response.status, text) };
    } catch (error) {
      return { status: null, error: describeNetworkError(error) };
    }
  }

  private async delivered(message: OutboundMessageRecord): Promise<string> {
    await this.outbox.setStatus(message.id, 'delivered', new Date());
    const event: MessageDeliveredEvent = {
      messageId: message.id,
      peerId: message.peerId,
      message: message.message,
      correlationId: message.correlationId,
    };
    await this.events.emitAsync(OSCP_MESSAGE_DELIVERED, event);
    return 'delivered';
  }

  /** Nothing was sent: the attempt is recorded without a URL or status, and the message given up. */
  private async undeliverable(
    message: OutboundMessageRecord,
    attempt: number,
    reason: string,
  ): Promise<void> {
    await this.outbox.recordAttempt(message.id, {
      attempt,
      url: '',
      httpStatus: null,
      error: reason,
      at: new Date(),
    });
    await this.outbox.setStatus(message.id, 'failed', new Date());
  }
}

function describeRefusal(status: number, text: string): string {
  return `HTTP ${status}${text ? `: ${text.slice(0, 500)}` : ''}`;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.name === 'TimeoutError' ? 'No answer in time' : error.message}${cause}`;
}
