import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Redis } from 'ioredis';
import { REDIS_RECONNECTED } from '@gridflex/common';
import { APP_CONFIG, AppConfig } from '@gridflex/config';
import { withTimeout } from './with-timeout';

export type RedisStatus = { up: true } | { up: false; reason: string };

/** How long a PING may take before Redis counts as down. */
export const REDIS_PING_TIMEOUT_MS = 1000;
/** How long the start waits for the first connection. */
const STARTUP_WAIT_MS = 5000;
/** A PING answer is reused this long, so a burst of requests costs Redis one PING. */
const CACHE_MS = 1000;

/**
 * Is Redis answering, asked of a connection of its own that never queues commands while disconnected:
 * a closed connection is known at once, a server that hangs within `REDIS_PING_TIMEOUT_MS`. It also tells
 * the rest of the instance (`REDIS_RECONNECTED`) when Redis is back after a lost connection.
 */
@Injectable()
export class RedisProbe implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisProbe.name);
  private readonly client: Redis;
  private lastError?: string;
  private cached?: { at: number; status: Promise<RedisStatus> };
  private everReady = false;
  private lost = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly events: EventEmitter2,
  ) {
    this.client = new Redis(config.REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: REDIS_PING_TIMEOUT_MS,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
      connectionName: 'gridflex-redis-probe',
    });
    // Without a listener ioredis prints every failed reconnect. The reason is kept for the next answer, by
    // its code where it has one: answers are public, and the message would give Redis's address away.
    this.client.on('error', (error: NodeJS.ErrnoException) => (this.lastError = error.code ?? error.message));
    this.client.on('ready', () => this.onReady());
    this.client.on('close', () => (this.lost = this.everReady));
  }

  private onReady(): void {
    this.lastError = undefined;
    this.everReady = true;
    if (!this.lost) return;
    this.lost = false;
    this.logger.warn('Redis answers again: re-creating timers and queued work it may have lost');
    this.events.emitAsync(REDIS_RECONNECTED).catch((error: unknown) => {
      this.logger.error(`Restoring state in Redis failed: ${String(error)}`);
    });
  }

  /**
   * Waits (a little) for the first connection, so that requests right after the start are not refused for a
   * connection still being made. Redis away at the start is not fatal here: writes get 503 until it is back.
   */
  async onModuleInit(): Promise<void> {
    if (this.client.status === 'ready') return;
    const connected = new Promise<void>((resolve) => this.client.once('ready', () => resolve()));
    await withTimeout(connected, STARTUP_WAIT_MS, 'Redis').catch(() => undefined);
  }

  check(): Promise<RedisStatus> {
    if (this.client.status !== 'ready') {
      const reason = `connection ${this.client.status}${this.lastError ? ` (${this.lastError})` : ''}`;
      return Promise.resolve({ up: false, reason });
    }
    const now = Date.now();
    if (!this.cached || now - this.cached.at >= CACHE_MS) this.cached = { at: now, status: this.ping() };
    return this.cached.status;
  }

  onApplicationShutdown(): void {
    this.client.disconnect();
  }

  private async ping(): Promise<RedisStatus> {
    try {
      await withTimeout(this.client.ping(), REDIS_PING_TIMEOUT_MS, 'PING');
      return { up: true };
    } catch (error) {
      return { up: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}
