import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { constantTimeEquals } from './secrets';

export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');

/** Admin routes need the `X-API-Key` header to equal the configured key. */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  constructor(@Inject(ADMIN_API_KEY) private readonly apiKey: string) {}

  canActivate(context: ExecutionContext): boolean {
    const presented = context.switchToHttp().getRequest<Request>().header('x-api-key');
    if (!presented) throw new UnauthorizedException('Missing X-API-Key header');
    if (!constantTimeEquals(presented, this.apiKey)) throw new UnauthorizedException('Invalid API key');
    return true;
  }
}
