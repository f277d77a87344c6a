import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { CLUSTER_REDIS } from './redis.provider';

/**
 * This controller process among the others sharing Redis: its id, and a lease in Redis saying it is alive.
 * Another instance that finds the lease gone treats what this one owned as abandoned.
 */
@Injectable()
export class InstanceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InstanceService.name);
  readonly id: string;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CLUSTER_REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.id = config.INSTANCE_ID ?? generatedInstanceId();
  }

  /** Keys of the cluster live under the queue prefix, so that deployments sharing a Redis stay apart. */
  key(...parts: string[]): string {
    return [this.config.QUEUE_PREFIX, 'cluster', ...parts].join(':');
  }

  get leaseMs(): number {
    return this.config.CLUSTER_LEASE_MS;
  }

  async onModuleInit(): Promise<void> {
    await this.renew();
    this.logger.log(`Instance ${this.id} joined the cluster`);
    this.timer = setInterval(() => {
      this.renew().catch((error: unknown) =>
        this.logger.warn(`Renewing the instance lease failed: ${String(error)}`),
      );
    }, this.leaseMs / 3);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    try {
      await this.redis.multi().del(this.key('instance', this.id)).srem(this.key('instances'), this.id).exec();
    } catch (error) {
      this.logger.warn(`Leaving the cluster failed: ${String(error)}`);
    }
    this.redis.disconnect();
  }

  /** Every instance that has joined and not left, alive or not: the caller checks `isAlive`. */
  known(): Promise<string[]> {
    return this.redis.smembers(this.key('instances'));
  }

  async isAlive(id: string): Promise<boolean> {
    return (await this.redis.exists(this.key('instance', id))) === 1;
  }

  /** Forgets an instance whose lease ran out. */
  async forget(id: string): Promise<void> {
    await this.redis.srem(this.key('instances'), id);
  }

  private async renew(): Promise<void> {
    await this.redis
      .multi()
      .set(this.key('instance', this.id), String(process.pid), 'PX', this.leaseMs)
      .sadd(this.key('instances'), this.id)
      .exec();
  }
}

function generatedInstanceId(): string {
  const host = hostname()
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 40);
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}
