export * from './charger-ownership.service';
export * from './cluster.module';
export * from './distributed-lock.service';
export * from './instance.service';
export * from './redis.provider';
