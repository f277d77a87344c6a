import type { AppConfig } from '@gridflex/config';

/** How every BullMQ queue, worker and event listener of the controller reaches Redis, and its key prefix. */
export function queueOptions(config: Pick<AppConfig, 'REDIS_URL' | 'QUEUE_PREFIX'>) {
  return { connection: { url: config.REDIS_URL }, prefix: config.QUEUE_PREFIX };
}
