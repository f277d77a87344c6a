import type { Request } from 'express';
import { presentedCredential, sessionCookie } from './dashboard-session';

const KEY = 'an-admin-key-of-some-length';

function requestWith(headers: Record<string, string>): Request {
  return { header: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
}

describe('dashboard credentials', () => {
  it('reads the key as X-API-Key or as an HTTP Basic password, and the session id from the cookie', () => {
    const basic = `Basic ${Buffer.from(`any:${KEY}`).toString('base64')}`;
    expect(presentedCredential(requestWith({ 'x-api-key': KEY }))).toEqual({ kind: 'admin-key', key: KEY });
    expect(presentedCredential(requestWith({ authorization: basic }))).toEqual({
      kind: 'admin-key',
      key: KEY,
    });
    expect(presentedCredential(requestWith({ cookie: 'a=b; gridflex_dashboard=abc-123' }))).toEqual({
      kind: 'session',
      id: 'abc-123',
    });
  });

  it('finds nothing in a request without any, nor in an emptied cookie', () => {
    expect(presentedCredential(requestWith({}))).toBeUndefined();
    expect(presentedCredential(requestWith({ cookie: 'gridflex_dashboard=' }))).toBeUndefined();
    expect(presentedCredential(requestWith({ authorization: 'Token abc' }))).toBeUndefined();
  });

  it('makes the cookie HttpOnly, SameSite=Strict, scoped to the dashboard, and Secure over TLS only', () => {
    expect(sessionCookie('abc', true, 60)).toBe(
      'gridflex_dashboard=abc; Path=/dashboard; Max-Age=60; HttpOnly; SameSite=Strict; Secure',
    );
    expect(sessionCookie('abc', false, 60)).not.toContain('Secure');
  });
});
