/**
 * Emitted (in process) when the instance's Redis answers again after a lost connection. Redis may have come
 * back empty (no append-only file, a failover to an empty replica): whoever keeps job schedulers, delayed
 * timer jobs or queued work there re-creates them; every such write is idempotent, so doing it after a mere
 * network blip costs nothing but a few commands.
 */
export const REDIS_RECONNECTED = 'redis.reconnected';
