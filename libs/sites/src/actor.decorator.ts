import { BadRequestException, createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Recorded as the author of a model change when the caller does not name one in `X-Actor`. */
export const DEFAULT_ACTOR = 'admin-api';
const ACTOR_PATTERN = /^[\p{L}\p{N} .@_+-]{1,100}$/u;

/**
 * Who makes a change of the site model: the `X-Actor` header (a user name or tool, 1-100 characters),
 * since every admin-API caller shares the one key.
 */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const header = context.switchToHttp().getRequest<Request>().header('x-actor');
  if (header === undefined) return DEFAULT_ACTOR;
  if (!ACTOR_PATTERN.test(header)) {
    const message = 'X-Actor must be 1-100 letters, digits, spaces or . @ _ + -';
    throw new BadRequestException({ message, errors: [{ field: 'X-Actor', messages: [message] }] });
  }
  return header;
});
