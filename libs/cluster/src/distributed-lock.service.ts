import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { InstanceService } from './instance.service';
import { EXTEND_IF_HOLDER, RELEASE_IF_HOLDER } from './lease-scripts';
import { CLUSTER_REDIS } from './redis.provider';

const RETRY_MS = 50;

/**
 * Mutual exclusion across instances for work that must not run twice at once (planning one scope). The lock
 * is a lease: extended while the work runs, and gone within the lease when its holder dies.
 */
@Injectable()
export class DistributedLockService {
  private readonly logger = new Logger(DistributedLockService.name);

  constructor(
    @Inject(CLUSTER_REDIS) private readonly redis: Redis,
    private readonly instance: InstanceService,
  ) {}

  /** Runs `work` once the lock named `name` is held, waiting for another holder to finish first. */
  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    const key = this.instance.key('lock', name);
    const token = `${this.instance.id}:${randomUUID()}`;
    const leaseMs = this.instance.leaseMs;
    while ((await this.redis.set(key, token, 'PX', leaseMs, 'NX')) !== 'OK') await sleep(RETRY_MS);
    const renewal = setInterval(() => {
      this.redis
        .eval(EXTEND_IF_HOLDER, 1, key, token, leaseMs)
        .catch((error: unknown) => this.logger.warn(`Extending lock ${name} failed: ${String(error)}`));
    }, leaseMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      await this.redis
        .eval(RELEASE_IF_HOLDER, 1, key, token)
        .catch((error: unknown) => this.logger.warn(`Releasing lock ${name} failed: ${String(error)}`));
    }
  }
}
