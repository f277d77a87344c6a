export * from './admin-queues-auth';
export * from './metrics.service';
export * from './observability.module';
export * from './redis-available.guard';
export * from './redis-probe.service';
