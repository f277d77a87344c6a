import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { OSCP_TIMERS_QUEUE } from './oscp-queues.constants';

/** Since when a group's measured load has been above a forecast, and to which forecasts we said so. */
export interface ComplianceEpisode {
  /** ISO instant of the first check that found the load above a limit in force. */
  overSince: string;
  /** `X-Request-ID`s of the forecasts already told about in this episode. */
  reportedRequestIds: string[];
}

/**
 * Episodes live in Redis beside the timers, not in memory: the next check may run on another
 * instance, and must know since when the group has been over.
 */
@Injectable()
export class ComplianceEpisodesRepository {
  constructor(@InjectQueue(OSCP_TIMERS_QUEUE) private readonly queue: Queue) {}

  async find(groupId: string): Promise<ComplianceEpisode | null> {
    const raw = await (await this.redis()).hget(this.key(), groupId);
    return raw === null ? null : (JSON.parse(raw) as ComplianceEpisode);
  }

  async save(groupId: string, episode: ComplianceEpisode | null): Promise<void> {
    const redis = await this.redis();
    if (episode === null) await redis.hdel(this.key(), groupId);
    else await redis.hset(this.key(), { [groupId]: JSON.stringify(episode) });
  }

  /** The timers queue's own connection: no second Redis connection to configure. */
  private redis() {
    return this.queue.getBackend().client;
  }

  /** Under the queue's prefix, so that test runs and deployments sharing a Redis stay apart. */
  private key(): string {
    return this.queue.toKey('compliance-episodes');
  }
}
