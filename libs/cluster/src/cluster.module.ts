import { Global, Module } from '@nestjs/common';
import { ChargerOwnershipService } from './charger-ownership.service';
import { DistributedLockService } from './distributed-lock.service';
import { InstanceService } from './instance.service';
import { CLUSTER_REDIS, clusterRedisProvider } from './redis.provider';

/** Several controller instances sharing one Redis: who is alive, who holds which charger, and locks. */
@Global()
@Module({
  providers: [clusterRedisProvider, InstanceService, ChargerOwnershipService, DistributedLockService],
  exports: [CLUSTER_REDIS, InstanceService, ChargerOwnershipService, DistributedLockService],
})
export class ClusterModule {}
