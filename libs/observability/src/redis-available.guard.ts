import { CanActivate, ExecutionContext, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RedisProbe } from './redis-probe.service';

/** Requests of these methods only read (the database); everything else may enqueue work. */
const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Seconds a client should wait before trying again: Redis reconnects are attempted every 2 s at most. */
export const REDIS_RETRY_AFTER_S = 5;

/**
 * Refuses, before any handler runs, a request that could write while Redis is not answering: 503 at once
 * (with `Retry-After`) instead of a request hanging on an enqueue, or a write to the database whose
 * follow-up job is lost. Health and metrics are GETs, hence exempt.
 */
@Injectable()
export class RedisAvailableGuard implements CanActivate {
  constructor(private readonly redis: RedisProbe) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    if (READ_ONLY_METHODS.has(http.getRequest<Request>().method)) return true;
    const status = await this.redis.check();
    if (status.up) return true;
    http.getResponse<Response>().setHeader('Retry-After', String(REDIS_RETRY_AFTER_S));
    throw new ServiceUnavailableException(`Redis unavailable: ${status.reason}`);
  }
}
