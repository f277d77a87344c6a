export * from './admin-api-key';
export * from './admin-api-key.guard';
export * from './common.module';
export * from './keyed-serial-queue';
export * from './queue-worker-registry';
export * from './secrets';
export * from './validation';
export * from './redis-events';
