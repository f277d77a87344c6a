import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { adminKeyThrottleKey, AuthThrottleService } from './auth-throttle.service';
import { constantTimeEquals } from './secrets';

export const ADMIN_API_KEY = Symbol('ADMIN_API_KEY');

/**
 * Admin routes need the `X-API-Key` header to equal the configured key; an address that guesses too
 * often is refused (429) before its key is even compared.
 */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  constructor(
    @Inject(ADMIN_API_KEY) private readonly apiKey: string,
    private readonly throttle: AuthThrottleService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const presented = request.header('x-api-key');
    if (!presented) throw new UnauthorizedException('Missing X-API-Key header');
    const key = adminKeyThrottleKey(this.throttle.addressOf(request));
    this.throttle.assertNotBlocked(key, context.switchToHttp().getResponse<Response>());
    if (!constantTimeEquals(presented, this.apiKey)) {
      this.throttle.recordFailure(key, 'invalid admin API key');
      throw new UnauthorizedException('Invalid API key');
    }
    return true;
  }
}
