import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { InstanceService } from './instance.service';
import { RELEASE_IF_HOLDER } from './lease-scripts';
import { CLUSTER_REDIS } from './redis.provider';

/**
 * Extends the lease while it still names this owner, and writes it anew when it is gone (Redis restarted
 * empty, or it ran out while Redis was unreachable); 0 tells the owner that another instance took over.
 */
const RENEW_IF_OWNER = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not owner then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

export type OwnershipLostListener = (identity: string) => void;

/**
 * Which instance holds each charger's WebSocket, as leases in Redis. The instance a charger connects to
 * claims it, taking it over from any other; the lease is renewed while the socket is open and runs out when
 * the instance dies, so a charger is never owned by a dead instance for longer than the lease.
 */
@Injectable()
export class ChargerOwnershipService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ChargerOwnershipService.name);
  private readonly owned = new Set<string>();
  private readonly lostListeners: OwnershipLostListener[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CLUSTER_REDIS) private readonly redis: Redis,
    private readonly instance: InstanceService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.renew().catch((error: unknown) =>
        this.logger.warn(`Renewing charger leases failed: ${String(error)}`),
      );
    }, this.instance.leaseMs / 3);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Called when another instance has taken over a charger this one still holds a socket of. */
  onLost(listener: OwnershipLostListener): void {
    this.lostListeners.push(listener);
  }

  async claim(identity: string): Promise<void> {
    this.owned.add(identity);
    await this.redis.set(this.key(identity), this.instance.id, 'PX', this.instance.leaseMs);
  }

  /** @returns whether this instance still owned the charger, i.e. no other instance has taken it over */
  async release(identity: string): Promise<boolean> {
    this.owned.delete(identity);
    const released = await this.redis.eval(RELEASE_IF_HOLDER, 1, this.key(identity), this.instance.id);
    return released === 1;
  }

  isSelf(owner: string | null | undefined): boolean {
    return owner === this.instance.id;
  }

  /** The instance holding the charger's socket, or null while no live instance does. */
  ownerOf(identity: string): Promise<string | null> {
    return this.redis.get(this.key(identity));
  }

  async ownersOf(identities: string[]): Promise<Map<string, string | null>> {
    if (identities.length === 0) return new Map();
    const owners = await this.redis.mget(identities.map((identity) => this.key(identity)));
    return new Map(identities.map((identity, index) => [identity, owners[index]]));
  }

  /** Leases this instance has claimed at start-up under the same id belong to its previous life. */
  async forgetPreviousLife(identities: string[]): Promise<void> {
    await Promise.all(
      identities.map((identity) =>
        this.redis.eval(RELEASE_IF_HOLDER, 1, this.key(identity), this.instance.id),
      ),
    );
  }

  private async renew(): Promise<void> {
    const identities = [...this.owned];
    if (identities.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const identity of identities) {
      pipeline.eval(RENEW_IF_OWNER, 1, this.key(identity), this.instance.id, this.instance.leaseMs);
    }
    const results = (await pipeline.exec()) ?? [];
    results.forEach(([error, renewed], index) => {
      const identity = identities[index];
      if (error || renewed === 1 || !this.owned.has(identity)) return;
      this.owned.delete(identity);
      this.logger.warn(`${identity} is now held by another instance`);
      for (const listener of this.lostListeners) listener(identity);
    });
  }

  private key(identity: string): string {
    return this.instance.key('charger', identity);
  }
}
