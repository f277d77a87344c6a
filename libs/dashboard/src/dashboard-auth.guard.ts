import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ADMIN_API_KEY,
  adminKeyThrottleKey,
  AuthThrottleService,
  constantTimeEquals,
} from '@gridflex/common';
import { presentedCredential } from './dashboard-session';
import { DashboardSessionsRepository } from './dashboard-sessions.repository';

/**
 * The dashboard's data: the admin key as `X-API-Key` or HTTP Basic password (throttled like the admin
 * API's), or the cookie of a session neither signed out nor expired.
 */
@Injectable()
export class DashboardAuthGuard implements CanActivate {
  constructor(
    @Inject(ADMIN_API_KEY) private readonly apiKey: string,
    private readonly sessions: DashboardSessionsRepository,
    private readonly throttle: AuthThrottleService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const credential = presentedCredential(request);
    if (credential?.kind === 'session' && (await this.sessions.isValid(credential.id))) return true;
    if (credential?.kind === 'admin-key') {
      const key = adminKeyThrottleKey(this.throttle.addressOf(request));
      this.throttle.assertNotBlocked(key, context.switchToHttp().getResponse<Response>());
      if (constantTimeEquals(credential.key, this.apiKey)) return true;
      this.throttle.recordFailure(key, 'invalid admin key for the dashboard');
    }
    throw new UnauthorizedException('Sign in to the dashboard with the admin key');
  }
}
