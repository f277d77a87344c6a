import { Provider } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@gridflex/config';

/** Injection token of this process's own Redis connection for coordination (not BullMQ's). */
export const CLUSTER_REDIS = Symbol('CLUSTER_REDIS');

/**
 * Coordination fails fast when Redis is away (a command waits at most two seconds for a reconnect) rather
 * than hanging the connect or planning paths that use it.
 */
export const clusterRedisProvider: Provider = {
  provide: CLUSTER_REDIS,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) =>
    new Redis(config.REDIS_URL, {
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      connectionName: 'gridflex-cluster',
    }),
};
