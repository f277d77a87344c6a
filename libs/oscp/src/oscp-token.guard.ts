import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuthThrottleService, hashToken } from '@gridflex/common';
import { DsoPeersRepository } from './dso-peers.repository';
import type { OscpAuthenticatedRequest } from './oscp-request';

/** RFC 7235: the scheme name is case-insensitive. */
const TOKEN_AUTHORIZATION = /^Token\s+(\S+)\s*$/i;

/**
 * OSCP `Authorization: Token <token>`: 401 when the header is missing or malformed, 403 when no
 * DSO peer holds the token, 429 once an address has presented too many unknown tokens. The header is
 * never logged: it is the peer's credential; refusals are logged summarised by the throttle.
 */
@Injectable()
export class OscpTokenGuard implements CanActivate {
  constructor(
    private readonly peers: DsoPeersRepository,
    private readonly throttle: AuthThrottleService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const token = parseTokenAuthorization(request.header('authorization'));
    if (token === undefined) {
      throw new UnauthorizedException({ message: 'Authorization header must be "Token <token>"' });
    }
    const key = `OSCP tokens from ${this.throttle.addressOf(request)}`;
    this.throttle.assertNotBlocked(key, context.switchToHttp().getResponse<Response>());
    const peer = await this.peers.findByTokenHash(hashToken(token));
    if (!peer) {
      this.throttle.recordFailure(key, `unknown token on ${request.method} ${request.path}`);
      throw new ForbiddenException({ message: 'Unknown or revoked token' });
    }
    (request as OscpAuthenticatedRequest).dsoPeer = peer;
    return true;
  }
}

function parseTokenAuthorization(header: string | undefined): string | undefined {
  return header === undefined ? undefined : TOKEN_AUTHORIZATION.exec(header)?.[1];
}
