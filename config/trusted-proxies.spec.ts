import type { IncomingMessage } from 'node:http';
import { clientAddress, compileTrustedProxies } from './trusted-proxies';

function upgradeFrom(socketAddress: string, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { socket: { remoteAddress: socketAddress }, headers } as unknown as IncomingMessage;
}

describe(clientAddress.name, () => {
  it('ignores X-Forwarded-For when no proxy is trusted', () => {
    const trusted = compileTrustedProxies(undefined);
    expect(clientAddress(upgradeFrom('127.0.0.1', '203.0.113.7'), trusted)).toBe('127.0.0.1');
  });

  it('believes X-Forwarded-For from a trusted proxy only, up to the first untrusted hop', () => {
    const trusted = compileTrustedProxies(' 10.0.0.0/8 ,192.0.2.1');
    expect(clientAddress(upgradeFrom('10.1.2.3', '203.0.113.7'), trusted)).toBe('203.0.113.7');
    expect(clientAddress(upgradeFrom('10.1.2.3', '198.51.100.9, 192.0.2.1'), trusted)).toBe('198.51.100.9');
    expect(clientAddress(upgradeFrom('198.51.100.1', '203.0.113.7'), trusted)).toBe('198.51.100.1');
  });

  it('refuses an entry that is not an address or CIDR', () => {
    expect(() => compileTrustedProxies('10.0.0.0/8,proxy.example')).toThrow(TypeError);
  });
});
