import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request } from 'express';
import { hashToken } from '@gridflex/common';
import { DsoPeersRepository } from './dso-peers.repository';
import type { OscpAuthenticatedRequest } from './oscp-request';

/** RFC 7235: the scheme name is case-insensitive. */
const TOKEN_AUTHORIZATION = /^Token\s+(\S+)\s*$/i;

/**
 * OSCP `Authorization: Token <token>`: 401 when the header is missing or malformed, 403 when no
 * DSO peer holds the token. The header is never logged: it is the peer's credential.
 */
@Injectable()
export class OscpTokenGuard implements CanActivate {
  private readonly logger = new Logger(OscpTokenGuard.name);

  constructor(private readonly peers: DsoPeersRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const token = parseTokenAuthorization(request.header('authorization'));
    if (token === undefined) {
      throw new UnauthorizedException({ message: 'Authorization header must be "Token <token>"' });
    }
    const peer = await this.peers.findByTokenHash(hashToken(token));
    if (!peer) {
      this.logger.warn(`Refused OSCP ${request.method} ${request.path} from ${request.ip}: unknown token`);
      throw new ForbiddenException({ message: 'Unknown or revoked token' });
    }
    (request as OscpAuthenticatedRequest).dsoPeer = peer;
    return true;
  }
}

function parseTokenAuthorization(header: string | undefined): string | undefined {
  return header === undefined ? undefined : TOKEN_AUTHORIZATION.exec(header)?.[1];
}
