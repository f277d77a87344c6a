import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { CLUSTER_REDIS, InstanceService } from '@gridflex/cluster';

const DECREMENT_IF_PRESENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('DECR', KEYS[1]) end
return 0`;

/**
 * Within one re-plan, the connectors whose limit goes up wait until those whose limit goes down have been
 * told, so that the site never draws the new high limits and the old high limits at once. The barrier is a
 * counter in Redis, shared by all instances; it lapses after a deadline so that a lowering stuck behind an
 * unreachable charger does not hold the raisings forever.
 */
@Injectable()
export class TransitionBarrier {
  constructor(
    @Inject(CLUSTER_REDIS) private readonly redis: Redis,
    private readonly instance: InstanceService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async raise(id: string, lowerings: number): Promise<void> {
    await this.redis.set(this.key(id), lowerings, 'PX', 2 * this.config.OCPP_CALL_TIMEOUT_MS + 5000);
  }

  /** A lowering has been tried, whatever the charger answered. A lapsed barrier stays lapsed. */
  async pass(id: string): Promise<void> {
    await this.redis.eval(DECREMENT_IF_PRESENT, 1, this.key(id));
  }

  async holds(id: string): Promise<boolean> {
    return Number((await this.redis.get(this.key(id))) ?? 0) > 0;
  }

  private key(id: string): string {
    return this.instance.key('barrier', id);
  }
}
