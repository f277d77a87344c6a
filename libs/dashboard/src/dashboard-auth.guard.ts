import { CanActivate, ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { ADMIN_API_KEY } from '@gridflex/common';
import { isAuthorized } from './dashboard-session';

/** The dashboard's data: the admin key as `X-API-Key`, HTTP Basic password, or the page's session cookie. */
@Injectable()
export class DashboardAuthGuard implements CanActivate {
  constructor(@Inject(ADMIN_API_KEY) private readonly apiKey: string) {}

  canActivate(context: ExecutionContext): boolean {
    if (isAuthorized(context.switchToHttp().getRequest<Request>(), this.apiKey)) return true;
    throw new UnauthorizedException('Sign in to the dashboard with the admin key');
  }
}
