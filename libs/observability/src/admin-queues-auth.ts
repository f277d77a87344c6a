import type { NextFunction, Request, Response } from 'express';
import { adminKeyThrottleKey, AuthThrottleService, constantTimeEquals } from '@gridflex/common';

export type ExpressMiddleware = (request: Request, response: Response, next: NextFunction) => void;

/**
 * The queue dashboard is for operators in a browser, which cannot send `X-API-Key`: besides that header it
 * takes HTTP Basic authentication with the admin key as password (any user name), and asks for it with
 * `WWW-Authenticate` so that the browser shows its login prompt. Wrong keys count in `throttle` as the
 * admin API's do, and a blocked address gets 429.
 */
export function adminQueuesAuth(adminKey: string, throttle: AuthThrottleService): ExpressMiddleware {
  return (request, response, next) => {
    const throttleKey = adminKeyThrottleKey(throttle.addressOf(request));
    const retryAfterS = throttle.retryAfterS(throttleKey);
    if (retryAfterS !== undefined) {
      response.status(429).setHeader('Retry-After', String(retryAfterS));
      response.json({ message: `Too many failed authentications: retry in ${retryAfterS} s` });
      return;
    }
    const presented = request.header('x-api-key') ?? basicPassword(request.header('authorization'));
    if (presented !== undefined && constantTimeEquals(presented, adminKey)) return next();
    if (presented !== undefined) throttle.recordFailure(throttleKey, 'invalid admin key for /admin/queues');
    response
      .status(401)
      .setHeader('WWW-Authenticate', 'Basic realm="gridflex"')
      .json({ message: 'The admin key is needed: X-API-Key header, or HTTP Basic with the key as password' });
  };
}

/** The password of an `Authorization: Basic` header; undefined for any other or a malformed one. */
export function basicPassword(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}
