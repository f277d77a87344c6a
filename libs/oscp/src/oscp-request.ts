import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { DsoPeer } from './dso-peers.repository';

/** A request that `OscpTokenGuard` has authenticated. */
export interface OscpAuthenticatedRequest extends Request {
  dsoPeer: DsoPeer;
}

const MAX_REQUEST_ID_LENGTH = 255;

/** The DSO peer that `OscpTokenGuard` attached to the request. */
export const AuthenticatedPeer = createParamDecorator(
  (_data: unknown, context: ExecutionContext): DsoPeer => {
    const peer = context.switchToHttp().getRequest<Partial<OscpAuthenticatedRequest>>().dsoPeer;
    if (!peer) throw new Error('AuthenticatedPeer is used on a route that OscpTokenGuard does not protect');
    return peer;
  },
);

/** The `X-Request-ID` header, which OSCP requires on every message (400 when missing or too long). */
export const OscpRequestId = createParamDecorator((_data: unknown, context: ExecutionContext): string =>
  requireRequestId(context.switchToHttp().getRequest<Request>().header('x-request-id')),
);

/**
 * The JSON body exactly as the peer sent it, unknown fields included, for the audit record; the
 * `@Body()` DTO is the validated, stripped view of the same body.
 */
export const ReceivedBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown => context.switchToHttp().getRequest<Request>().body,
);

function requireRequestId(value: string | undefined): string {
  if (!value || value.trim() === '') {
    throw new BadRequestException({ message: 'X-Request-ID header is required' });
  }
  if (value.length > MAX_REQUEST_ID_LENGTH) {
    throw new BadRequestException({
      message: `X-Request-ID header must be at most ${MAX_REQUEST_ID_LENGTH} characters`,
    });
  }
  return value;
}
