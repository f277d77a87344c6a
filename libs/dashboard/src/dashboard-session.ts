import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import { constantTimeEquals } from '@gridflex/common';
import { SESSION_COOKIE } from './dashboard.constants';

/**
 * The dashboard session: an HMAC of the admin key, so the cookie never holds the key itself, needs no
 * server-side state, and stops working when the key changes.
 */
export function sessionToken(adminKey: string): string {
  return createHmac('sha256', adminKey).update('gridflex dashboard session v1').digest('base64url');
}

/** The admin key in `X-API-Key`, as the password of HTTP Basic, or the session cookie. */
export function isAuthorized(request: Request, adminKey: string): boolean {
  const header = request.header('x-api-key');
  if (header) return constantTimeEquals(header, adminKey);
  const basicPassword = basicAuthPassword(request.header('authorization'));
  if (basicPassword !== undefined) return constantTimeEquals(basicPassword, adminKey);
  const cookie = readCookie(request.header('cookie'), SESSION_COOKIE);
  return cookie !== undefined && constantTimeEquals(cookie, sessionToken(adminKey));
}

export function sessionCookie(token: string, secure: boolean, maxAgeS: number): string {
  const attributes = [`Path=/dashboard`, `Max-Age=${maxAgeS}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) attributes.push('Secure');
  return [`${SESSION_COOKIE}=${token}`, ...attributes].join('; ');
}

function basicAuthPassword(authorization: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
