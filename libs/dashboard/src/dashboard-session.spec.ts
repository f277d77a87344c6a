import type { Request } from 'express';
import { isAuthorized, sessionCookie, sessionToken } from './dashboard-session';

const KEY = 'an-admin-key-of-some-length';

function requestWith(headers: Record<string, string>): Request {
  return { header: (name: string) => headers[name.toLowerCase()] } as unknown as Request;
}

describe('dashboard sign-in', () => {
  it('accepts the key as X-API-Key, as an HTTP Basic password, or the session cookie', () => {
    const basic = (password: string) => `Basic ${Buffer.from(`any:${password}`).toString('base64')}`;
    expect(isAuthorized(requestWith({ 'x-api-key': KEY }), KEY)).toBe(true);
    expect(isAuthorized(requestWith({ authorization: basic(KEY) }), KEY)).toBe(true);
    expect(isAuthorized(requestWith({ cookie: `a=b; gridflex_dashboard=${sessionToken(KEY)}` }), KEY)).toBe(
      true,
    );
  });

  it('refuses anything else', () => {
    expect(isAuthorized(requestWith({}), KEY)).toBe(false);
    expect(isAuthorized(requestWith({ 'x-api-key': 'wrong' }), KEY)).toBe(false);
    expect(isAuthorized(requestWith({ cookie: `gridflex_dashboard=${KEY}` }), KEY)).toBe(false);
    expect(
      isAuthorized(
        requestWith({ cookie: `gridflex_dashboard=${sessionToken('another-key-entirely')}` }),
        KEY,
      ),
    ).toBe(false);
  });

  it('keeps the key out of the cookie, which is HttpOnly, SameSite=Strict and scoped to the dashboard', () => {
    const cookie = sessionCookie(sessionToken(KEY), true, 60);
    expect(cookie).not.toContain(KEY);
    expect(cookie).toMatch(
      /^gridflex_dashboard=[\w-]+; Path=\/dashboard; Max-Age=60; HttpOnly; SameSite=Strict; Secure$/,
    );
  });
});
