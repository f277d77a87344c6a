import { randomUUID } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { Queue } from 'bullmq';
import { REDIS_RECONNECTED } from '@gridflex/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { OscpOutboundRepository } from './oscp-outbound.repository';
import { DELIVER_MESSAGE_JOB, DeliverMessageJob, OSCP_OUTBOUND_QUEUE } from './oscp-queues.constants';
import type { OutboundMessage } from './oscp.types';

export interface QueuedMessage {
  messageId: string;
  requestId: string;
}

/**
 * Sends OSCP messages to peers: each is stored with a fresh `X-Request-ID`, then delivered by the
 * `oscp-outbound` queue, so a restart loses none and the answer to an inbound request never waits.
 */
@Injectable()
export class OscpOutboxService implements OnApplicationBootstrap {
  constructor(
    private readonly repository: OscpOutboundRepository,
    @InjectQueue(OSCP_OUTBOUND_QUEUE) private readonly queue: Queue<DeliverMessageJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Messages stored but not handed to the queue before a crash, or lost with an emptied Redis, go out now;
   * known job ids are no-ops.
   */
  @OnEvent(REDIS_RECONNECTED)
  async onApplicationBootstrap(): Promise<void> {
    for (const messageId of await this.repository.queuedIds()) await this.dispatch(messageId);
  }

  /** Stores and queues a message. */
  async send(
    peerId: string,
    message: OutboundMessage,
    body: object,
    correlationId: string | null = null,
  ): Promise<QueuedMessage> {
    const queued = await this.store(peerId, message, body, correlationId);
    await this.dispatch(queued.messageId);
    return queued;
  }

  /**
   * Stores a message without queueing it yet: a reply to an inbound request is stored before our 204
   * and queued after it. `body.token` of a Register must already be sealed.
   */
  async store(
    peerId: string,
    message: OutboundMessage,
    body: object,
    correlationId: string | null = null,
  ): Promise<QueuedMessage> {
    const requestId = randomUUID();
    const messageId = await this.repository.insert({ peerId, message, requestId, correlationId, body });
    return { messageId, requestId };
  }

  async dispatch(messageId: string): Promise<void> {
    await this.queue.add(
      DELIVER_MESSAGE_JOB,
      { messageId },
      {
        jobId: messageId,
        attempts: this.config.OSCP_OUTBOUND_ATTEMPTS,
        backoff: { type: 'exponential', delay: this.config.OSCP_OUTBOUND_BACKOFF_MS },
        removeOnComplete: { count: 1000 },
        removeOnFail: { count: 5000 },
      },
    );
  }
}
