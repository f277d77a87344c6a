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

export interface SegmentHeaders {
  index: number;
  count: number;
}

const MAX_SEGMENTS = 1000;
const POSITIVE_INTEGER = /^[1-9]\d{0,3}$/;

/**
 * `X-Segment-Index` and `X-Segment-Count` of a paged message (index from 1), or undefined when the
 * message is whole; 400 when only one is sent or they do not make sense.
 */
export const OscpSegment = createParamDecorator(
  (_data: unknown, context: ExecutionContext): SegmentHeaders | undefined => {
    const request = context.switchToHttp().getRequest<Request>();
    return parseSegmentHeaders(request.header('x-segment-index'), request.header('x-segment-count'));
  },
);

export function parseSegmentHeaders(
  index: string | undefined,
  count: string | undefined,
): SegmentHeaders | undefined {
  if (index === undefined && count === undefined) return undefined;
  if (index === undefined || count === undefined) {
    throw new BadRequestException({ message: 'X-Segment-Index and X-Segment-Count must be sent together' });
  }
  if (
    !POSITIVE_INTEGER.test(index.trim()) ||
    !POSITIVE_INTEGER.test(count.trim()) ||
    Number(count) > MAX_SEGMENTS
  ) {
    throw new BadRequestException({
      message: `X-Segment-Index and X-Segment-Count must be whole numbers from 1 to ${MAX_SEGMENTS}`,
    });
  }
  const segment = { index: Number(index), count: Number(count) };
  if (segment.index > segment.count) {
    throw new BadRequestException({
      message: `X-Segment-Index ${segment.index} is beyond X-Segment-Count ${segment.count}`,
    });
  }
  return segment;
}
