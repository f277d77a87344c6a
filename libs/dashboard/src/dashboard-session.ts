import type { Request } from 'express';
import { SESSION_COOKIE } from './dashboard.constants';

/** What a request presents to the dashboard: the admin key (`X-API-Key` or HTTP Basic password), or a session id. */
export type DashboardCredential = { kind: 'admin-key'; key: string } | { kind: 'session'; id: string };

/** The admin key in `X-API-Key`, as the password of HTTP Basic, or the session cookie; undefined: none. */
export function presentedCredential(request: Request): DashboardCredential | undefined {
  const header = request.header('x-api-key');
  if (header) return { kind: 'admin-key', key: header };
  const basicPassword = basicAuthPassword(request.header('authorization'));
  if (basicPassword !== undefined) return { kind: 'admin-key', key: basicPassword };
  const id = sessionCookieValue(request);
  return id ? { kind: 'session', id } : undefined;
}

/** The session id of the dashboard cookie, if the request carries one. */
export function sessionCookieValue(request: Request): string | undefined {
  return readCookie(request.header('cookie'), SESSION_COOKIE);
}

export function sessionCookie(id: string, secure: boolean, maxAgeS: number): string {
  const attributes = [`Path=/dashboard`, `Max-Age=${maxAgeS}`, 'HttpOnly', 'SameSite=Strict'];
  if (secure) attributes.push('Secure');
  return [`${SESSION_COOKIE}=${id}`, ...attributes].join('; ');
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
